// Loads offered to the driver: the time left counts down, and the list is fetched again
// every 20 s and whenever the driver comes back to the app (a new offer appears; one that
// ran out or went to another driver goes), unless the driver is answering one right now.
import { announce } from "./api.js";

const REFRESH_MS = 20_000;
const TICK_MS = 15_000;

// The same words as the server's formatting.time_left.
function timeLeft(iso) {
  const seconds = (new Date(iso).getTime() - Date.now()) / 1000;
  if (seconds <= 0) return "time is up";
  const minutes = Math.floor(seconds / 60);
  if (minutes < 1) return "under a minute left";
  if (minutes < 60) return `${minutes} min left`;
  const hours = Math.floor(minutes / 60);
  const rest = minutes % 60;
  return rest ? `${hours} h ${rest} min left` : `${hours} h left`;
}

function tick() {
  for (const deadline of document.querySelectorAll("#offers .deadline[data-expires-at]")) {
    const left = deadline.querySelector(".left");
    if (left) left.textContent = `(${timeLeft(deadline.dataset.expiresAt)})`;
  }
}

function answering(box) {
  const focused = document.activeElement;
  return box.querySelector("details[open]") || (focused && focused !== document.body && box.contains(focused));
}

async function refresh() {
  const box = document.getElementById("offers");
  if (!box || answering(box)) return;
  let page;
  try {
    const resp = await fetch("/app/driver", { credentials: "same-origin" });
    if (!resp.ok) return;
    page = new DOMParser().parseFromString(await resp.text(), "text/html");
  } catch {
    return; // no signal: try again later
  }
  const fresh = page.getElementById("offers");
  if (!fresh || answering(box)) return;
  const before = new Set([...box.querySelectorAll("[data-offer-id]")].map((el) => el.dataset.offerId));
  box.replaceWith(fresh);
  const added = [...fresh.querySelectorAll("[data-offer-id]")].filter((el) => !before.has(el.dataset.offerId));
  if (added.length) announce(added.length === 1 ? "A new load was offered to you." : `${added.length} new loads were offered to you.`);
  tick();
}

if (document.getElementById("offers")) {
  setInterval(tick, TICK_MS);
  setInterval(refresh, REFRESH_MS);
  window.addEventListener("focus", refresh);
  document.addEventListener("visibilitychange", () => {
    if (document.visibilityState === "visible") refresh();
  });
}
