// Sending the driver's outbox, oldest change first. A plain script (no import/export) so
// the service worker can importScripts() it and the pages import it for its side effect:
// both get self.FreightOutbox. `db` is an idb-wrapped IndexedDB (npm idb).
//
// An item: {id, kind, label, shipmentId, url, json | form: [[name, value, filename?]],
// headers: {"Idempotency-Key", ...}, at (device time), state: "waiting" | "kept", problem}.
(() => {
  const DB = "freight-driver";
  const DB_VERSION = 1;

  function upgrade(db) {
    db.createObjectStore("outbox", { keyPath: "id", autoIncrement: true });
    db.createObjectStore("meta");
  }

  // 408 and 429 are "try again", like a lost connection or a 5xx; 409 while the same key
  // is still being processed (another tab or the worker sent it) too.
  function retryable(status, problem) {
    if (status >= 500 || status === 408 || status === 429) return true;
    return status === 409 && problem?.code === "idempotency_in_progress";
  }

  // A refusal in words a driver reads at the dock.
  function refusal(status, problem) {
    const detail = problem && typeof problem === "object" ? problem.detail || problem.title : "";
    if (status === 404) return "This load is no longer yours: dispatch reassigned, unassigned or cancelled it.";
    if (status === 403) return "You may not do this any more. Ask dispatch.";
    if (status === 409) return `Not possible any more${detail ? `: ${detail}` : ""}.`;
    const fields = (problem?.errors ?? []).map((e) => e.msg).filter(Boolean).join("; ");
    return [detail || `Refused (${status})`, fields].filter(Boolean).join(" — ");
  }

  function request(item, csrf) {
    const headers = { Accept: "application/json", "X-CSRF-Token": csrf || item.csrf || "", ...item.headers };
    const init = { method: "POST", credentials: "same-origin", headers };
    if (item.json !== undefined) {
      init.body = JSON.stringify(item.json);
      headers["Content-Type"] = "application/json";
    } else {
      const body = new FormData();
      for (const [name, value, filename] of item.form ?? []) {
        if (filename) body.append(name, value, filename);
        else body.append(name, value);
      }
      init.body = body;
    }
    return init;
  }

  async function seal(db, id) {
    const tx = db.transaction("outbox", "readwrite");
    const item = await tx.store.get(id);
    if (item) await tx.store.put({ ...item, sealed: true });
    await tx.done;
    return item ? { ...item, sealed: true } : null;
  }

  async function answer(response) {
    const type = response.headers.get("content-type") ?? "";
    try {
      return type.includes("json") ? await response.json() : await response.text();
    } catch {
      return null;
    }
  }

  // Send what is waiting, in order, until the queue is empty or the network fails.
  // Returns {sent, stalled, signedOut}. onResult(item, outcome) hears every outcome:
  // {ok, data} | {kept, problem, status} | {asked, problem} (warnings for a strict item).
  async function drainOnce(db, { csrf, userId, askWarnings = false, onResult = () => {} }) {
    let sent = 0;
    for (;;) {
      const items = await db.getAll("outbox");
      const next = items.find((i) => i.state === "waiting" && (!userId || !i.userId || i.userId === userId));
      if (!next) return { sent, stalled: false };
      const item = await seal(db, next.id); // no more fixes join a batch once it is on its way
      if (!item) continue;
      let response;
      try {
        response = await fetch(item.url, request(item, csrf));
      } catch {
        return { sent, stalled: true };
      }
      const data = await answer(response);
      if (response.ok) {
        await db.delete("outbox", item.id);
        await db.put("meta", new Date().toISOString(), "lastSync");
        sent += 1;
        onResult(item, { ok: true, data });
        continue;
      }
      if (retryable(response.status, data)) return { sent, stalled: true };
      if (response.status === 401) return { sent, stalled: true, signedOut: true };
      if (askWarnings && item.strict && data?.code === "warnings_not_acknowledged") {
        await db.delete("outbox", item.id);
        onResult(item, { asked: true, problem: data });
        continue;
      }
      const kept = { ...item, state: "kept", problem: refusal(response.status, data), status: response.status };
      await db.put("outbox", kept);
      onResult(kept, { kept: true, problem: kept.problem, status: response.status, detail: data?.detail });
    }
  }

  // One sender at a time across tabs and the worker (Web Locks where the browser has them;
  // the idempotency keys make a double send harmless where it has not).
  function drain(db, options) {
    const locks = self.navigator?.locks;
    if (!locks) return drainOnce(db, options);
    return locks.request("freight-outbox", () => drainOnce(db, options));
  }

  self.FreightOutbox = { DB, DB_VERSION, SYNC_TAG: "freight-outbox", upgrade, drain, refusal };
})();
