// On every signed-in page: signing out forgets this browser's unsent booking drafts, so
// the next person at a shared computer does not find them.
const signOut = document.querySelector("form.sign-out");
signOut?.addEventListener("submit", () => {
  try {
    for (const key of Object.keys(localStorage)) {
      if (key.startsWith("freight:draft:")) localStorage.removeItem(key);
    }
  } catch {
    // storage unavailable: nothing was kept
  }
});
