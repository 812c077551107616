// On every signed-in page: signing out forgets this browser's unsent booking drafts and
// the driver view's saved pages, so the next person at a shared computer does not find them.
const signOut = document.querySelector("form.sign-out");
signOut?.addEventListener("submit", () => {
  try {
    for (const key of Object.keys(localStorage)) {
      if (key.startsWith("freight:draft:")) localStorage.removeItem(key);
    }
  } catch {
    // storage unavailable: nothing was kept
  }
  // The driver view's saved pages hold this user's loads; the outbox keeps its changes
  // (each names its user, and only that user's page sends them).
  if ("caches" in window) {
    caches.delete("freight-driver-pages");
    caches.delete("freight-driver-data");
  }
});
