// A Leaflet map that works without tiles: the tile server is a setting, and with none
// (or none reachable) the route and positions still draw on a plain background.
// Circle markers only, so no marker images are needed.
import * as L from "/static/vendor/leaflet/leaflet-src.esm.js";

export function createMap(element, { center = [39.5, -98.35], zoom = 4 } = {}) {
  const map = L.map(element, { center, zoom, keyboard: true });
  const tiles = document.body.dataset.tileUrl;
  if (tiles) {
    L.tileLayer(tiles, { attribution: document.body.dataset.attribution, maxZoom: 18 }).addTo(map);
  } else {
    const note = document.createElement("p");
    note.className = "map-note";
    note.textContent = "Background map off: showing positions and route only.";
    element.after(note);
  }
  return map;
}

export function dot(map, latlng, { color = "#0b5cad", label = "" } = {}) {
  const marker = L.circleMarker(latlng, { radius: 7, color, weight: 2, fillOpacity: 0.8 });
  if (label) marker.bindTooltip(label);
  return marker.addTo(map);
}

export function line(map, latlngs, { color = "#57606a" } = {}) {
  return L.polyline(latlngs, { color, weight: 3, dashArray: "6 6" }).addTo(map);
}

export function fit(map, latlngs) {
  if (latlngs.length) map.fitBounds(L.latLngBounds(latlngs).pad(0.2));
}
