// A booking kept as a draft in this browser while it is typed: a reload, a closed tab or
// a lost connection loses nothing. The draft belongs to the signed-in user (the form's
// data-draft-key), comes back only into an untouched form, and is gone once the form is
// sent or the person starts over.
import { when } from "./format.js";

const SKIPPED = new Set(["csrf_token", "stop_count"]);

function storageKey(form) {
  return `freight:draft:${form.dataset.draftKey}`;
}

function read(form) {
  try {
    return JSON.parse(localStorage.getItem(storageKey(form)) ?? "null");
  } catch {
    return null;
  }
}

function fields(form) {
  return [...form.elements].filter((e) => e.name && !SKIPPED.has(e.name) && e.type !== "submit");
}

export function saveDraft(form) {
  const values = {};
  const auto = []; // fields the page filled in (coordinates from a picked city)
  for (const field of fields(form)) {
    values[field.name] = field.type === "checkbox" ? field.checked : field.value;
    if (field.dataset.auto) auto.push(field.name);
  }
  const stops = form.querySelectorAll("fieldset[data-stop]").length;
  const draft = { at: new Date().toISOString(), stops, values, auto };
  try {
    localStorage.setItem(storageKey(form), JSON.stringify(draft));
  } catch {
    // storage full or refused (private mode): the form still works, without a draft
  }
}

export function dropDraft(form) {
  localStorage.removeItem(storageKey(form));
}

function notice(form, draft) {
  const box = document.createElement("div");
  box.className = "notice draft-notice";
  box.id = "draft-notice";
  box.setAttribute("role", "status");
  const text = document.createElement("p");
  text.textContent = `Your unsent booking from ${when(draft.at)} is back.`;
  const over = document.createElement("button");
  over.type = "button";
  over.className = "secondary";
  over.textContent = "Start over";
  over.addEventListener("click", () => {
    dropDraft(form);
    window.location.reload();
  });
  box.append(text, over);
  form.before(box);
}

// Bring the draft back into a fresh form; ``addStop`` makes room for its stops.
export function restoreDraft(form, addStop) {
  if (!form.dataset.draftKey || !("fresh" in form.dataset)) return false;
  const draft = read(form);
  if (!draft?.values) return false;
  while (form.querySelectorAll("fieldset[data-stop]").length < draft.stops) {
    if (!addStop(form)) break;
  }
  for (const field of fields(form)) {
    if (!(field.name in draft.values)) continue;
    const value = draft.values[field.name];
    if (field.type === "checkbox") field.checked = Boolean(value);
    else field.value = value;
    if (draft.auto?.includes(field.name)) field.dataset.auto = "1";
  }
  notice(form, draft);
  return true;
}
