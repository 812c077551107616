// The driver's pages: share the phone's location (batched to the tracking API, with a
// clear on/off toggle that is remembered), follow the open load live, take the proof of
// delivery with a drawn (or typed) signature and photos, and the message thread. Every
// action goes through the outbox on the phone (outbox.js), so it works without signal.
import { announce, label } from "./api.js";
import * as queue from "./driver_queue.js";
import { followShipment } from "./live.js";
import { mountThread } from "./messages.js";
import * as outbox from "./outbox.js";
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
  timer: null,
  last: null, // the newest fix, also used for the step and POD forms
  sent: 0, // positions the server accepted (not merely sent)
  misses: 0, // GPS errors since the last fix
  unsent: 0, // fixes stored since the last send
};

function say(text) {
  if (share.status) share.status.textContent = text;
}

// Fixes wait in the outbox with everything else and go in batches of up to 500.
function sendPositions() {
  clearTimeout(share.timer);
  share.timer = null;
  outbox.drainSoon();
}

// What the server kept of each batch the outbox sent.
outbox.onResult((item, outcome) => {
  if (item.kind !== "positions" || !outcome.ok) return;
  share.sent += outcome.data.accepted;
  const time = new Date().toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
  const dropped = item.json.positions.length - outcome.data.accepted;
  const note = dropped > 0 ? `; ${dropped} not kept (duplicate or implausible)` : "";
  // The last batch, flushed when sharing stopped, must not say sharing is on again.
  if (share.watch !== null) {
    say(`Sharing your location. Last sent ${time}: ${share.sent} positions received by dispatch so far${note}.`);
  }
  document.body.dataset.positionsSent = String(share.sent);
});

function onFix(position) {
  share.misses = 0;
  const { latitude, longitude, speed, heading, accuracy } = position.coords;
  share.last = [latitude, longitude];
  const fix = { lat: latitude, lng: longitude, recorded_at: new Date(position.timestamp).toISOString() };
  if (Number.isFinite(speed)) fix.speed_kmh = speed * 3.6;
  if (Number.isFinite(heading)) fix.heading = heading;
  if (Number.isFinite(accuracy)) fix.accuracy_m = accuracy;
  share.unsent += 1;
  outbox.addFix(fix).then(({ fixes }) => {
    if (!navigator.onLine) {
      if (share.watch !== null) say(`Sharing your location: no signal, ${fixes} positions kept on this phone to send later.`);
      return;
    }
    if (share.sent === 0 || share.unsent >= SEND_AT_COUNT) {
      share.unsent = 0;
      sendPositions();
    } else if (!share.timer) share.timer = setTimeout(sendPositions, SEND_EVERY_MS);
  });
}

// A lost fix (a tunnel, a dock, a timeout) is not a reason to stop: the watch keeps
// trying and sharing stays on. Only a refused permission switches it off, and says how
// to turn it back on.
function onFixError(err) {
  if (err.code === err.PERMISSION_DENIED) {
    stopSharing(false);
    say("Location sharing is off: this browser is not allowed to use your location. " +
      "Android (Chrome): tap the icon left of the address, then Permissions › Location › Allow. " +
      "iPhone (Safari): Settings › Privacy & Security › Location Services › Safari Websites › While Using the App, " +
      "and in Safari tap “aA” › Website Settings › Location › Allow. Then press Share again.");
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
let mounted = null;
if (load) {
  const status = document.getElementById("load-status");
  mounted = thread ? mountThread(thread, { send: queuedMessage }) : null;
  followShipment(load.dataset.shipmentId, {
    updated(event) {
      // load.dataset.status follows this phone's own steps (driver_queue.js)
      if (!event.status || event.status === load.dataset.status) return;
      status.textContent = label(event.status);
      document.getElementById("load-changed").hidden = false;
      announce(`This load is now ${status.textContent}.`);
    },
    message: mounted?.onMessage,
  });
} else if (thread) {
  mounted = mountThread(thread, { follow: true, send: queuedMessage });
}

// A message waits in the outbox like any other action; the thread shows it as pending.
outbox.onResult((item, outcome) => {
  if (item.kind !== "message" || !mounted) return;
  if (outcome.ok) mounted.settle(item.id, outcome.data);
  if (outcome.kept) mounted.settle(item.id, null, outcome.problem);
});

function queuedMessage(shipmentId, body) {
  return outbox.enqueue({
    kind: "message", shipmentId, label: `Message “${body.slice(0, 40)}”`,
    url: `/api/shipments/${shipmentId}/messages`, json: { body },
  });
}

// A step or a delivery sent back with warnings to confirm: bring them into view (on a
// phone they would sit below the stops).
document.querySelector(".warning-panel, #pod-warnings:not([hidden])")?.scrollIntoView({ block: "center" });

// --- proof of delivery ---------------------------------------------------------------------
const podForm = document.getElementById("pod-form");
if (podForm) enhanceProof(podForm);

queue.start();
queue.installShell();

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
    const fields = [["recipient_name", name.value.trim()], ["signature", await pad.toBlob(), "signature.png"]];
    for (const photo of form.elements.photos.files) {
      const ready = await shrink(photo);
      fields.push(["photos", ready, ready.name ?? photo.name]);
    }
    if (share.last) fields.push(["lat", String(share.last[0])], ["lng", String(share.last[1])]);
    fields.push(["delivered_at", new Date().toISOString()]);
    warnings.addTo({ append: (field, value) => fields.push([field, value]) });
    const id = load.dataset.shipmentId;
    // Strict when sent at once: a warning is shown here before the delivery lands.
    const item = await outbox.enqueue({
      kind: "pod", shipmentId: id, label: `Proof of delivery (${name.value.trim()})`,
      url: `/api/shipments/${id}/pod`, form: fields, strict: true,
    });
    pending.set(item.id, button);
    await outbox.drainSoon();
    if (pending.has(item.id)) delivered(true); // not sent yet: no signal
  });

  const pending = new Map(); // outbox id -> the button that sent it
  function delivered(waiting) {
    document.getElementById("load-status").textContent = waiting ? "Delivered (waiting to send)" : "Delivered";
    form.hidden = true;
    document.getElementById("pod-saved").hidden = !waiting;
    announce(waiting ? "Proof of delivery saved on this phone; it goes as soon as there is signal." : "Delivered.");
  }
  outbox.onResult((item, outcome) => {
    if (item.kind !== "pod" || item.shipmentId !== load.dataset.shipmentId) return;
    const button = pending.get(item.id);
    pending.delete(item.id);
    if (outcome.ok) {
      delivered(false);
      if (document.visibilityState === "visible") window.location.assign(window.location.pathname);
    } else if (outcome.asked) {
      warnings.show(outcome.problem.warnings, button ?? form.querySelector('button[type="submit"]'));
      if (button) button.disabled = false;
    } else if (outcome.kept) {
      form.hidden = false;
      document.getElementById("pod-saved").hidden = true;
      showError(`Not delivered: ${outcome.problem}`);
      if (button) button.disabled = false;
    }
  });
  outbox.itemsFor(load.dataset.shipmentId).then((items) => {
    if (items.some((i) => i.kind === "pod" && i.state === "waiting")) delivered(true);
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
