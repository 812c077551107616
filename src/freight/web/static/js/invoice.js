// Invoice pages: a form that moves money or changes an invoice is sent once.
// (The server is the real guard: each form carries an Idempotency-Key, so a second
// submit replays the first answer. This only spares the user a confusing wait.)
import { announce } from "./api.js";

for (const form of document.querySelectorAll("form.once")) {
  form.addEventListener("submit", (event) => {
    if (form.dataset.sent === "true") {
      event.preventDefault();
      return;
    }
    form.dataset.sent = "true";
    const button = form.querySelector("button[type=submit]");
    if (button) {
      button.setAttribute("aria-disabled", "true");
      button.classList.add("busy");
    }
    announce("Sending…");
  });
}
