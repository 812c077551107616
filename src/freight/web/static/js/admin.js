// Admin pages: show the shipper-account picker only for the customer role, and copy a
// new API key's secret to the clipboard. Without this script both still work.
import { announce } from "./api.js";

for (const select of document.querySelectorAll("select[data-account-toggle]")) {
  const box = document.getElementById(select.dataset.accountToggle);
  if (!box) continue;
  const sync = () => {
    box.hidden = select.value !== "customer";
  };
  select.addEventListener("change", sync);
  sync();
}

for (const button of document.querySelectorAll("button[data-copy]")) {
  const field = document.getElementById(button.dataset.copy);
  if (!field) continue;
  button.addEventListener("click", async () => {
    field.select();
    try {
      await navigator.clipboard.writeText(field.value);
      announce("Secret copied to the clipboard.");
    } catch {
      announce("Select the secret and copy it with your keyboard.");
    }
  });
}
