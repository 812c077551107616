// A driver's home base, suggested from /api/places as it is typed (a datalist, so the
// keyboard and screen readers work as with any input). Picking a suggestion keeps its
// coordinates in hidden fields, with the words they belong to; other text is placed by
// the server, which names the field with suggestions when it cannot.
import { api } from "./api.js";
import { label } from "./place_picker.js";

const field = document.getElementById("home_base");
const list = document.getElementById("home-places");
const hidden = (name) => document.getElementById(name);
let ticket = 0;
let wait;

async function suggest() {
  const typed = field.value.trim();
  if (typed.length < 2) return;
  const mine = ++ticket;
  let found;
  try {
    found = (await api(`/api/places?${new URLSearchParams({ q: typed, limit: "8" })}`)).items;
  } catch {
    return; // a help only: the server places the text all the same
  }
  if (mine !== ticket) return;
  list.replaceChildren(
    ...found.map((place) => {
      const option = document.createElement("option");
      option.value = label(place);
      Object.assign(option.dataset, { lat: String(place.lat), lng: String(place.lng) });
      return option;
    }),
  );
}

function typed() {
  const option = [...list.options].find((o) => o.value === field.value);
  if (option) {
    hidden("home_lat").value = option.dataset.lat;
    hidden("home_lng").value = option.dataset.lng;
    hidden("home_picked").value = option.value;
    return;
  }
  clearTimeout(wait);
  wait = setTimeout(suggest, 200);
}

if (field && list) field.addEventListener("input", typed);
