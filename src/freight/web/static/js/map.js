// A Leaflet map that works without internet. The tile server is a setting; with none, or
// when its tiles fail, the map draws country and US state outlines that ship with the
// app (world-atlas and us-atlas, through topojson-client), so a route is seen against
// real borders, never a grey box. Circle markers and a CSS arrow: no marker images.
import * as L from "/static/vendor/leaflet/leaflet-src.esm.js";
import { feature, mesh } from "/static/vendor/topojson-client/index.js";

const OUTLINES = {
  countries: "/static/vendor/world-atlas/countries-110m.json", // coarse, 110 KB
  states: "/static/vendor/us-atlas/states-10m.json", // the US in detail, 110 KB
};
let outlines = null; // one download per page, shared by its maps

function loadOutlines() {
  outlines ??= Promise.all(
    Object.values(OUTLINES).map((url) =>
      fetch(url, { credentials: "same-origin" }).then((r) => (r.ok ? r.json() : Promise.reject(r))),
    ),
  ).then(([world, us]) => ({
    land: feature(world, world.objects.countries),
    borders: mesh(world, world.objects.countries, (a, b) => a !== b),
    nation: feature(us, us.objects.nation),
    states: mesh(us, us.objects.states, (a, b) => a !== b),
  }));
  return outlines;
}

async function drawOutlines(map, element) {
  try {
    const { land, borders, nation, states } = await loadOutlines();
    const pane = map.createPane("outlines");
    pane.style.zIndex = 250; // under the route and markers (overlay pane: 400)
    const style = { pane, interactive: false };
    L.geoJSON(land, { ...style, style: { color: "#9aa9b5", weight: 0.6, fillColor: "#fbfaf6", fillOpacity: 1 } }).addTo(map);
    L.geoJSON(nation, { ...style, style: { color: "#7d8c99", weight: 1, fillColor: "#fbfaf6", fillOpacity: 1 } }).addTo(map);
    L.geoJSON(borders, { ...style, style: { color: "#7d8c99", weight: 1 } }).addTo(map);
    L.geoJSON(states, { ...style, style: { color: "#a9b6c1", weight: 0.7, dashArray: "3 3" } }).addTo(map);
    element.dataset.outlines = "on";
  } catch (error) {
    console.warn("map outlines unavailable", error);
  }
}

function say(element, text) {
  const note = document.createElement("p");
  note.className = "map-note";
  note.textContent = text;
  element.after(note);
}

export function createMap(element, { center = [39.5, -98.35], zoom = 4 } = {}) {
  const map = L.map(element, { center, zoom, keyboard: true, zoomSnap: 0.25 });
  element.classList.add("map-offline");
  const tiles = document.body.dataset.tileUrl;
  if (!tiles) {
    drawOutlines(map, element);
    say(element, "Offline map: borders and states, without street detail.");
    return map;
  }
  let failed = 0;
  const layer = L.tileLayer(tiles, { attribution: document.body.dataset.attribution, maxZoom: 18 });
  layer.on("tileerror", () => {
    failed += 1;
    if (failed === 3) {
      drawOutlines(map, element); // the tile server is unreachable: borders instead
      say(element, "The map tiles did not load: showing borders and states instead.");
    }
  });
  layer.on("tileload", () => element.classList.remove("map-offline"));
  layer.addTo(map);
  return map;
}

export function dot(map, latlng, { color = "#0b5cad", label = "", permanent = false } = {}) {
  const marker = L.circleMarker(latlng, { radius: 7, color, weight: 2, fillOpacity: 0.8 });
  if (label) marker.bindTooltip(label, permanent ? { permanent: true, direction: "right", className: "map-label" } : {});
  return marker.addTo(map);
}

// The truck: an arrow pointing where it is heading (a dot when the heading is unknown).
export function truckMarker(map, latlng, { heading = null, label = "Truck" } = {}) {
  const icon = L.divIcon({
    className: "truck-marker",
    html: '<span class="truck-arrow no-heading"></span>',
    iconSize: [22, 22],
    iconAnchor: [11, 11],
  });
  const marker = L.marker(latlng, { icon, keyboard: false, title: label, alt: label });
  marker.bindTooltip(label);
  marker.addTo(map);
  turnTruck(marker, heading);
  return marker;
}

// Point the arrow along the heading (set through the style object: the page's CSP
// allows no inline style attributes).
export function turnTruck(marker, heading) {
  const arrow = marker.getElement()?.querySelector(".truck-arrow");
  if (!arrow || !Number.isFinite(heading)) return;
  arrow.classList.remove("no-heading");
  arrow.style.transform = `rotate(${heading}deg)`;
}

export function line(map, latlngs, { color = "#57606a", dashed = true } = {}) {
  return L.polyline(latlngs, { color, weight: 3, dashArray: dashed ? "6 6" : null }).addTo(map);
}

// The legs between the stops: the road's shape where the router gave one (solid), else a
// straight dashed leg; without the server's lines, straight legs through the stops.
// Answers every point drawn, for fitting the view.
export function route(map, lines, stops) {
  if (!lines?.length) {
    const straight = stops.map((s) => [s.lat, s.lng]);
    line(map, straight);
    return straight;
  }
  for (const leg of lines) {
    line(map, leg.points, leg.road ? { color: "#57606a", dashed: false } : {});
  }
  return lines.flatMap((leg) => leg.points);
}

export function fit(map, latlngs) {
  if (latlngs.length === 1) map.setView(latlngs[0], 8);
  else if (latlngs.length) map.fitBounds(L.latLngBounds(latlngs).pad(0.2));
}
