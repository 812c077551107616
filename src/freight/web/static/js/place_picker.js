// A stop's city, suggested from /api/places as it is typed (a datalist per stop, so the
// keyboard and screen readers work as with any input). A pick fills in the city, its
// region and coordinates, and says the stop's time zone; a city typed in full that is
// its first suggestion counts as picked. Without the script the server places the stop
// from its address all the same.
import { api } from "./api.js";
import { zoneAbbreviation } from "./format.js";

export function input(fieldset, role) {
  return fieldset.querySelector(`[data-role="${role}"]`);
}

// The stop's windows are typed as wall-clock times there: say which zone that is.
export function showZone(fieldset, zone) {
  const hint = fieldset.querySelector('[data-role="zone"]');
  if (!hint || !zone) return;
  const name = document.createElement("span");
  name.dataset.testid = "stop-zone";
  name.textContent = `${zone} (${zoneAbbreviation(zone)})`;
  hint.replaceChildren("Window times are local at the stop: ", name, ".");
}

export function label(place) {
  return `${place.name}, ${place.region || place.country}`;
}

// Coordinates filled from a suggestion are marked, so a new city replaces them but typed
// ones stay.
function fill(fieldset, place, picked) {
  const lat = input(fieldset, "lat");
  const lng = input(fieldset, "lng");
  if ((lat.value || lng.value) && !lat.dataset.auto) return;
  if (picked) input(fieldset, "city").value = place.name;
  lat.value = place.lat;
  lng.value = place.lng;
  lat.dataset.auto = lng.dataset.auto = "1";
  showZone(fieldset, place.timezone);
  const region = input(fieldset, "region");
  if (!region.value || region.dataset.auto) {
    region.value = place.region;
    region.dataset.auto = "1";
  }
}

const tickets = new WeakMap(); // fieldset -> the newest lookup, so older answers are dropped

async function suggest(fieldset, changed) {
  const city = input(fieldset, "city").value.trim();
  const list = input(fieldset, "places");
  if (city.length < 2 || city.includes(",")) return;
  const ticket = (tickets.get(fieldset) ?? 0) + 1;
  tickets.set(fieldset, ticket);
  const country = fieldset.querySelector('[name$="-country"]').value.trim().toUpperCase();
  const query = new URLSearchParams({ q: city, limit: "8" });
  if (/^[A-Z]{2}$/.test(country)) query.set("country", country);
  let found;
  try {
    found = (await api(`/api/places?${query}`)).items;
  } catch {
    return; // a help only: the server places the stop from its address anyway
  }
  if (tickets.get(fieldset) !== ticket) return;
  list.replaceChildren(
    ...found.map((place) => {
      const option = document.createElement("option");
      option.value = label(place);
      Object.assign(option.dataset, {
        name: place.name,
        region: place.region ?? "",
        lat: String(place.lat),
        lng: String(place.lng),
        timezone: place.timezone,
      });
      return option;
    }),
  );
  const first = list.firstElementChild?.dataset;
  const region = input(fieldset, "region").value.trim().toUpperCase();
  if (first && first.name.toLowerCase() === city.toLowerCase() && (!region || region === first.region.toUpperCase())) {
    fill(fieldset, first, false);
    changed();
  }
}

const waits = new WeakMap();

// After each keystroke in a city field: a pick from the list, or a new lookup.
export function cityTyped(fieldset, changed) {
  const city = input(fieldset, "city");
  const option = [...input(fieldset, "places").options].find((o) => o.value === city.value);
  if (option) {
    fill(fieldset, option.dataset, true);
    changed();
    return;
  }
  const lat = input(fieldset, "lat");
  if (lat.dataset.auto) lat.value = input(fieldset, "lng").value = ""; // not that place now
  clearTimeout(waits.get(fieldset));
  waits.set(fieldset, setTimeout(() => suggest(fieldset, changed), 200));
}

// A stop on the page already (a draft, a form sent back): look its city up once.
export function lookUp(fieldset, changed) {
  if (!input(fieldset, "lat").value && input(fieldset, "city").value.trim()) {
    suggest(fieldset, changed);
  }
}
