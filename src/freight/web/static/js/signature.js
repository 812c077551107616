// A signature pad on a <canvas>: pointer events, so a finger, a pen and a mouse all draw.
// The drawing is kept as strokes, so it survives the canvas being resized (phone
// rotation), and becomes a PNG blob for the proof of delivery. stampName() writes a
// typed name instead, for people who cannot draw with a pointer.
export function signaturePad(canvas) {
  const context = canvas.getContext("2d");
  let strokes = []; // [[x, y], ...] in CSS pixels
  let typed = "";
  let current = null;

  function size() {
    const ratio = window.devicePixelRatio || 1;
    const { width, height } = canvas.getBoundingClientRect();
    canvas.width = Math.max(1, Math.round(width * ratio));
    canvas.height = Math.max(1, Math.round(height * ratio));
    context.setTransform(ratio, 0, 0, ratio, 0, 0);
    redraw();
  }

  function redraw() {
    const { width, height } = canvas.getBoundingClientRect();
    context.fillStyle = "#ffffff";
    context.fillRect(0, 0, width, height);
    context.strokeStyle = "#1b1f24";
    context.lineWidth = 2.5;
    context.lineCap = "round";
    context.lineJoin = "round";
    for (const stroke of strokes) {
      context.beginPath();
      stroke.forEach(([x, y], i) => (i ? context.lineTo(x, y) : context.moveTo(x, y)));
      if (stroke.length === 1) context.lineTo(stroke[0][0] + 0.1, stroke[0][1]);
      context.stroke();
    }
    if (typed) {
      context.fillStyle = "#1b1f24";
      context.font = `italic ${Math.round(height * 0.32)}px "Brush Script MT", cursive, serif`;
      context.textBaseline = "middle";
      context.fillText(typed, 16, height / 2, width - 32);
    }
  }

  function at(event) {
    const box = canvas.getBoundingClientRect();
    return [event.clientX - box.left, event.clientY - box.top];
  }

  canvas.addEventListener("pointerdown", (event) => {
    event.preventDefault();
    canvas.setPointerCapture(event.pointerId);
    typed = "";
    current = [at(event)];
    strokes.push(current);
    redraw();
  });
  canvas.addEventListener("pointermove", (event) => {
    if (!current) return;
    event.preventDefault();
    const events = event.getCoalescedEvents ? event.getCoalescedEvents() : [event];
    for (const e of events.length ? events : [event]) current.push(at(e));
    redraw();
  });
  const end = () => {
    if (current) canvas.dispatchEvent(new CustomEvent("signature-change"));
    current = null;
  };
  canvas.addEventListener("pointerup", end);
  canvas.addEventListener("pointercancel", end);
  new ResizeObserver(size).observe(canvas);
  size();

  return {
    isEmpty: () => !typed && !strokes.some((s) => s.length > 1),
    clear() {
      strokes = [];
      typed = "";
      redraw();
      canvas.dispatchEvent(new CustomEvent("signature-change"));
    },
    stampName(name) {
      strokes = [];
      typed = name.trim();
      redraw();
      canvas.dispatchEvent(new CustomEvent("signature-change"));
    },
    toBlob: () => new Promise((resolve) => canvas.toBlob(resolve, "image/png")),
  };
}
