// The booking form's stops, added and removed in the page (the buttons post the form
// when there is no script). Every stop's fields are named stops-<i>-<field>; after a
// change the stops are numbered again so the server reads them in order.

const MAX_STOPS = 10;
const NUMBERED = /stops-\d+-/g;

export function stopSets(form) {
  return [...form.querySelectorAll("fieldset[data-stop]")];
}

function kindLabel(fieldset) {
  const kind = fieldset.querySelector('select[name$="-kind"]');
  return kind?.selectedOptions[0]?.textContent ?? "Stop";
}

// Give each stop its place: names, ids, labels, legends and the remove buttons.
export function renumber(form) {
  const sets = stopSets(form);
  sets.forEach((fieldset, i) => {
    fieldset.dataset.stop = String(i);
    fieldset.id = `stops-${i}`;
    for (const element of fieldset.querySelectorAll("[id], [name], [for], [aria-describedby], [list]")) {
      for (const attribute of ["id", "name", "for", "aria-describedby", "list"]) {
        const value = element.getAttribute(attribute);
        if (value) element.setAttribute(attribute, value.replace(NUMBERED, `stops-${i}-`));
      }
    }
    fieldset.querySelector("legend").textContent = `Stop ${i + 1}: ${kindLabel(fieldset)}`;
    const remove = fieldset.querySelector('[data-role="remove"]');
    remove.value = String(i);
    remove.textContent = `Remove stop ${i + 1}`;
    remove.hidden = sets.length <= 2;
  });
  form.elements.stop_count.value = String(sets.length);
  const add = form.querySelector('[data-role="add-stop"]');
  if (add) add.hidden = sets.length >= MAX_STOPS;
}

// A copy of the last stop with nothing typed in it, as a delivery, before the last stop.
export function addStop(form) {
  const sets = stopSets(form);
  if (sets.length >= MAX_STOPS) return null;
  const last = sets[sets.length - 1];
  const copy = last.cloneNode(true);
  for (const field of copy.querySelectorAll("input, textarea")) {
    if (field.type === "datetime-local") continue; // a window like the last stop's
    field.value = field.name.endsWith("-country") ? last.querySelector('[name$="-country"]').value : "";
    delete field.dataset.auto;
  }
  copy.querySelector('select[name$="-kind"]').value = "delivery";
  for (const error of copy.querySelectorAll(".field-error")) error.remove();
  copy.querySelector('[data-role="places"]')?.replaceChildren();
  for (const field of copy.querySelectorAll("[aria-invalid]")) {
    field.removeAttribute("aria-invalid");
    field.removeAttribute("aria-describedby");
  }
  last.before(copy);
  renumber(form);
  return copy;
}

export function removeStop(form, fieldset) {
  if (stopSets(form).length <= 2) return;
  fieldset.remove();
  renumber(form);
}
