// Numbers, money, weights, distances and times the organisation's way, as the server
// renders them (web/formatting.py): the page's <body> carries the locale, zone and units.
const body = document.body.dataset;
export const locale = body.locale || "en-US";
export const timeZone = body.timezone || "America/Chicago";
export const units = body.units || "imperial";

const KG_PER_LB = 0.45359237;
const KM_PER_MI = 1.609344;
const whole = new Intl.NumberFormat(locale, { maximumFractionDigits: 0 });

export function money(cents, currency) {
  if (cents == null) return "";
  return new Intl.NumberFormat(locale, { style: "currency", currency }).format(cents / 100);
}

export function weight(kg) {
  if (kg == null) return "";
  return units === "imperial" ? `${whole.format(kg / KG_PER_LB)} lb` : `${whole.format(kg)} kg`;
}

export function distance(km) {
  if (km == null) return "";
  return units === "imperial" ? `${whole.format(km / KM_PER_MI)} mi` : `${whole.format(km)} km`;
}

const formats = new Map();

// "Dec 3, 2:30 PM CST": in the given zone (a stop's), else the organisation's.
export function when(iso, zone = timeZone) {
  if (!iso) return "";
  if (!formats.has(zone)) {
    const options = { month: "short", day: "numeric", hour: "numeric", minute: "2-digit" };
    formats.set(zone, new Intl.DateTimeFormat(locale, { ...options, timeZone: zone, timeZoneName: "short" }));
  }
  return formats.get(zone).format(new Date(iso));
}

// "CST" for America/Chicago in winter (the short name browsers give in en-US).
export function zoneAbbreviation(zone, at = new Date()) {
  const parts = new Intl.DateTimeFormat("en-US", { timeZone: zone, timeZoneName: "short" }).formatToParts(at);
  return parts.find((part) => part.type === "timeZoneName")?.value ?? zone;
}
