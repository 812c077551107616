// The public tracking page's map: the stops' towns, the route between them and the truck
// (its last position while the load is on board, the delivery town once delivered).
import { createMap, dot, fit, route, truckMarker } from "./map.js";

const element = document.getElementById("map");
if (element) {
  const read = (name) => JSON.parse(element.dataset[name] || "null");
  const stops = read("stops") ?? [];
  const truck = read("truck");
  const map = createMap(element);
  const drawn = route(map, read("route"), stops);
  for (const s of stops) {
    dot(map, [s.lat, s.lng], { color: s.kind === "pickup" ? "#1a7f37" : "#b42318", label: s.label, permanent: true });
  }
  const at = truck ? [truck.lat, truck.lng] : null;
  if (at) truckMarker(map, at);
  fit(map, [...drawn, ...(at ? [at] : [])]);
}
