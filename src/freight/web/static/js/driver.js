// The driver's pages: share the phone's location (batched to the tracking API, with a
// clear on/off toggle that is remembered), follow the open load live, take the proof of
// delivery with a drawn (or typed) signature and photos, and the message thread.
import { announce, api, label } from "./api.js";
import { followShipment } from "./live.js";
import { mountThread } from "./messages.js";
import { signaturePad } from "./signature.js";

const SEND_EVERY_MS = 15_000;
const SEND_AT_COUNT = 20;
const SHARE_KEY = "freight.shareLocation";
const PHOTO_MAX_PX = 1600; // phone photos are resized before upload

// --- location sharing -------------------------------------------------------------------
const share = {
  button: document.getElementById("share-location"),
  status: document.getElementById("share-location-status"),
  watch: null,
  queue: [],
  timer: null,
  last: null, // the newest fix, also used for the step and POD forms
  sent: 0, // positions the server accepted (not merely sent)
  misses: 0, // GPS errors since the last fix
};

function say(text) {
  if (share.status) share.status.textContent = text;
}

async function sendPositions() {
  clearTimeout(share.timer);
  share.timer = null;
  if (!share.queue.length) return;
  const positions = share.queue.splice(0, 500);
  try {
    const result = await api("/api/tracking/positions", { method: "POST", json: { positions } });
    share.sent += result.accepted;
    const time = new Date().toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
    // The last batch, flushed when sharing stopped, must not say sharing is on again.
    const dropped = positions.length - result.accepted;
    const note = dropped > 0 ? `; ${dropped} not kept (duplicate or implausible)` : "";
    if (share.watch !== null) {
      say(`Sharing your location. Last sent ${time}: ${share.sent} positions received by dispatch so far${note}.`);
    }
    document.body.dataset.positionsSent = String(share.sent);
  } catch (err) {
    share.queue.unshift(...positions.slice(-100)); // keep the newest for the next try
    if (share.watch !== null) say(`Could not send your location (${err.message}); will retry.`);
  }
}

function onFix(position) {
  share.misses = 0;
  const { latitude, longitude, speed, heading, accuracy } = position.coords;
  share.last = [latitude, longitude];
  const fix = { lat: latitude, lng: longitude, recorded_at: new Date(position.timestamp).toISOString() };
  if (Number.isFinite(speed)) fix.speed_kmh = speed * 3.6;
  if (Number.isFinite(heading)) fix.heading = heading;
  if (Number.isFinite(accuracy)) fix.accuracy_m = accuracy;
  share.queue.push(fix);
  if (share.sent === 0 || share.queue.length >= SEND_AT_COUNT) sendPositions();
  else if (!share.timer) share.timer = setTimeout(sendPositions, SEND_EVERY_MS);
}

// A lost fix (a tunnel, a dock, a timeout) is not a reason to stop: the watch keeps
// trying and sharing stays on. Only a refused permission switches it off, and says how
// to turn it back on.
function onFixError(err) {
  if (err.code === err.PERMISSION_DENIED) {
    stopSharing(false);
    say("Location sharing is off: this browser is not allowed to use your location. " +
      "Allow location for this site in the browser's settings, then press Share again.");
    return;
  }
  share.misses += 1;
  const why = err.code === err.TIMEOUT ? "no GPS fix in time" : "no GPS signal";
  say(`Still sharing: ${why} right now, trying again (${share.misses} ${share.misses === 1 ? "miss" : "misses"}).`);
  if (share.misses % 3 === 0) restartWatch(); // some phones stop a watch after errors
}

function watchOptions() {
  return { enableHighAccuracy: true, maximumAge: 10_000, timeout: 60_000 };
}

function restartWatch() {
  if (share.watch !== null) navigator.geolocation.clearWatch(share.watch);
  share.watch = navigator.geolocation.watchPosition(onFix, onFixError, watchOptions());
}

function startSharing() {
  if (!("geolocation" in navigator)) {
    say("This browser cannot share its location.");
    return;
  }
  share.misses = 0;
  share.watch = navigator.geolocation.watchPosition(onFix, onFixError, watchOptions());
  share.button.setAttribute("aria-pressed", "true");
  share.button.textContent = "Stop sharing my location";
  localStorage.setItem(SHARE_KEY, "on");
  say("Sharing your location: waiting for the first fix…");
  announce("Location sharing on");
}

function stopSharing(remember = true) {
  if (share.watch !== null) navigator.geolocation.clearWatch(share.watch);
  share.watch = null;
  sendPositions();
  share.button.setAttribute("aria-pressed", "false");
  share.button.textContent = "Share my location";
  if (remember) localStorage.setItem(SHARE_KEY, "off");
  if (remember) say("Location sharing is off.");
  announce("Location sharing off");
}

if (share.button) {
  share.button.closest("[hidden]")?.removeAttribute("hidden");
  share.button.addEventListener("click", () =>
    share.button.getAttribute("aria-pressed") === "true" ? stopSharing() : startSharing(),
  );
  if (localStorage.getItem(SHARE_KEY) === "on") startSharing();
  window.addEventListener("pagehide", () => {
    if (!share.queue.length) return;
    fetch("/api/tracking/positions", {
      method: "POST",
      keepalive: true,
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRF-Token": document.querySelector('meta[name="csrf-token"]').content },
      body: JSON.stringify({ positions: share.queue.splice(0, 500) }),
    });
  });
}

// Step forms carry the newest fix, so the timeline says where the pickup happened.
document.addEventListener("submit", (event) => {
  const form = event.target;
  if (share.last && form.elements.lat && form.elements.lng && !form.elements.lat.value) {
    [form.elements.lat.value, form.elements.lng.value] = share.last.map(String);
  }
});

// --- the open load: live status and the thread ------------------------------------------
const load = document.getElementById("load");
const thread = document.getElementById("messages");
if (load) {
  const shown = load.dataset.status;
  const status = document.getElementById("load-status");
  const mounted = thread ? mountThread(thread) : null;
  followShipment(load.dataset.shipmentId, {
    updated(event) {
      if (!event.status || event.status === shown) return;
      status.textContent = label(event.status);
      document.getElementById("load-changed").hidden = false;
      announce(`This load is now ${status.textContent}.`);
    },
    message: mounted?.onMessage,
  });
} else if (thread) {
  mountThread(thread, { follow: true });
}

// A step or a delivery sent back with warnings to confirm: bring them into view (on a
// phone they would sit below the stops).
document.querySelector(".warning-panel, #pod-warnings:not([hidden])")?.scrollIntoView({ block: "center" });

// --- proof of delivery ---------------------------------------------------------------------
const podForm = document.getElementById("pod-form");
if (podForm) enhanceProof(podForm);

function enhanceProof(form) {
  document.getElementById("signature-drawn").hidden = false;
  document.getElementById("signature-upload").hidden = true;
  const canvas = document.getElementById("signature-pad");
  const pad = signaturePad(canvas);
  const error = document.getElementById("pod-error");
  const name = form.elements.recipient_name;
  const warnings = podWarnings(form);
  document.getElementById("signature-clear").addEventListener("click", () => pad.clear());
  document.getElementById("signature-typed").addEventListener("click", () => {
    if (!name.value.trim()) {
      showError("Type the recipient's name in “Received by” first.");
      name.focus();
      return;
    }
    pad.stampName(name.value);
    announce(`Signed with the typed name ${name.value.trim()}.`);
  });
  canvas.addEventListener("signature-change", () => {
    canvas.dataset.signed = pad.isEmpty() ? "false" : "true";
  });

  function showError(text) {
    error.textContent = text;
    error.hidden = !text;
  }

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (!name.value.trim()) return showError("Received by: the recipient's name is required.");
    if (pad.isEmpty()) return showError("Signature: ask the recipient to sign, or sign with the typed name.");
    if (!warnings.ready()) return;
    const button = form.querySelector('button[type="submit"]');
    button.disabled = true;
    showError("");
    announce("Sending the proof of delivery…");
    try {
      const body = new FormData();
      body.append("recipient_name", name.value.trim());
      body.append("signature", await pad.toBlob(), "signature.png");
      for (const photo of form.elements.photos.files) {
        const ready = await shrink(photo);
        body.append("photos", ready, ready.name ?? photo.name);
      }
      if (share.last) {
        body.append("lat", String(share.last[0]));
        body.append("lng", String(share.last[1]));
      }
      body.append("delivered_at", new Date().toISOString());
      warnings.addTo(body);
      // Strict: a warning is shown here before the delivery lands, not after.
      const headers = { Prefer: "handling=strict" };
      await api(`/api/shipments/${load.dataset.shipmentId}/pod`, { method: "POST", body, headers });
      announce("Delivered.");
      window.location.assign(window.location.pathname);
    } catch (err) {
      if (err.problem?.code === "warnings_not_acknowledged") warnings.show(err.problem.warnings, button);
      else showError(err.message);
      button.disabled = false;
    }
  });
}

// The warnings a delivery raises (far from the stop, far outside its window), asked
// before it lands: the driver gives a reason and confirms anyway, or does not.
function podWarnings(form) {
  const box = document.getElementById("pod-warnings");
  const reason = form.elements.override_reason;
  const reasonError = document.getElementById("pod-override_reason-error");
  let codes = [...form.querySelectorAll('input[name="acknowledge_warnings"]')].map((i) => i.value);
  const sayReason = (text) => {
    reasonError.textContent = text;
    reasonError.hidden = !text;
    if (text) reason.setAttribute("aria-invalid", "true");
    else reason.removeAttribute("aria-invalid");
  };
  return {
    show(warnings, button) {
      const items = warnings.map((w) => {
        const item = document.createElement("li");
        item.dataset.code = w.code;
        item.textContent = w.message;
        return item;
      });
      document.getElementById("pod-warning-list").replaceChildren(...items);
      codes = warnings.map((w) => w.code);
      box.hidden = false;
      button.textContent = "Confirm delivery anyway";
      announce("Check the warnings before you confirm the delivery.");
      reason.focus();
    },
    ready() {
      if (!codes.length || reason.value.trim()) return true;
      sayReason("Say why you are going ahead despite the warning.");
      reason.focus();
      return false;
    },
    addTo(body) {
      if (!codes.length) return;
      sayReason("");
      for (const code of codes) body.append("acknowledge_warnings", code);
      body.append("override_reason", reason.value.trim());
    },
  };
}

// A big camera photo becomes a JPEG of at most PHOTO_MAX_PX on its longer side.
async function shrink(file) {
  if (!file.type.startsWith("image/") || file.size < 1_000_000) return file;
  try {
    const bitmap = await createImageBitmap(file);
    const scale = Math.min(1, PHOTO_MAX_PX / Math.max(bitmap.width, bitmap.height));
    const canvas = document.createElement("canvas");
    canvas.width = Math.round(bitmap.width * scale);
    canvas.height = Math.round(bitmap.height * scale);
    canvas.getContext("2d").drawImage(bitmap, 0, 0, canvas.width, canvas.height);
    const blob = await new Promise((resolve) => canvas.toBlob(resolve, "image/jpeg", 0.85));
    return blob ? new File([blob], file.name.replace(/\.\w+$/, "") + ".jpg", { type: "image/jpeg" }) : file;
  } catch {
    return file;
  }
}
