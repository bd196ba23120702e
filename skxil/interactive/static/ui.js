// skxil labelling interface: rendering and interaction, shared by the web page
// (page.js, over fetch) and the notebook widget (widget.js, over model messages).
//
// A transport is an object with call(method, body) -> Promise<{status, body}>,
// method one of "query", "progress", "answer", "skip", "undo"; status follows HTTP.
//
// Every piece of data (feature names, values, words, labels, messages) reaches the
// page through textContent or DOM properties, never as markup: a document or column
// name holding "<script>" is shown as the text it is.

const KEYS_HELP = [
  ["1\u20139", "answer with that label"],
  ["Enter", "accept the predicted label"],
  ["click", "wrong reason (ignore)"],
  ["shift-click", "right reason (focus)"],
  ["f", "switch click mode"],
  ["Esc", "clear marks"],
  ["s", "skip"],
  ["u", "undo"],
];

const PROGRESS_NAMES = {
  answers: "answers",
  corrections: "corrections",
  skipped: "skipped",
  remaining: "left in the pool",
  test_accuracy: "held-out accuracy",
};

function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined && text !== null) node.textContent = String(text);
  return node;
}

function formatValue(value) {
  if (value === null || value === undefined) return "missing";
  if (typeof value === "number") {
    if (Number.isInteger(value)) return String(value);
    return Math.abs(value) >= 1e4 || (value !== 0 && Math.abs(value) < 1e-3)
      ? value.toExponential(3)
      : value.toFixed(3).replace(/0+$/, "").replace(/\.$/, "");
  }
  return String(value);
}

function formatWeight(w) {
  if (w === null || w === undefined) return "";
  return (w >= 0 ? "+" : "\u2212") + Math.abs(w).toFixed(3);
}

function labelText(label) {
  return typeof label === "string" ? label : JSON.stringify(label);
}

function sameLabel(a, b) {
  return JSON.stringify(a) === JSON.stringify(b);
}

// A weight's colour: blue for the predicted label, orange against it.
function heatColour(weight, scale, alpha) {
  const t = scale > 0 ? Math.min(1, Math.abs(weight) / scale) : 0;
  const rgb = weight >= 0 ? "37, 99, 235" : "234, 88, 12";
  return `rgba(${rgb}, ${(alpha * t).toFixed(3)})`;
}

export function mount(root, transport, options = {}) {
  const state = { query: null, progress: null, marks: new Map(), mode: "ignore", busy: false };
  const keyTarget = options.keyTarget || root;

  root.classList.add("sx-app");
  const header = el("header", "sx-header");
  const title = el("div", "sx-title");
  title.append(el("span", "sx-logo", "skxil"), el("span", "sx-subtitle", "label with reasons"));
  const progressBox = el("div", "sx-progress");
  header.append(title, progressBox);
  const message = el("div", "sx-message");
  message.setAttribute("role", "status");
  message.setAttribute("aria-live", "polite");
  const main = el("main", "sx-main");
  const footer = el("footer", "sx-keys");
  for (const [key, what] of KEYS_HELP) {
    const item = el("span", "sx-key-item");
    // right reasons exist only for learners that take them (shown per query)
    if (key === "shift-click" || key === "f") item.dataset.focusOnly = "true";
    item.append(el("kbd", null, key), document.createTextNode(" " + what));
    footer.append(item);
  }
  root.replaceChildren(header, message, main, footer);

  function say(text, kind = "info") {
    message.textContent = text || "";
    message.dataset.kind = kind;
    message.hidden = !text;
  }

  function renderProgress(progress) {
    progressBox.replaceChildren();
    if (!progress) return;
    const seen = new Set();
    for (const [key, value] of Object.entries(progress)) {
      if (value === null || typeof value === "object") continue;
      const name = PROGRESS_NAMES[key] || key.replace(/^n_/, "").replace(/_/g, " ");
      if (seen.has(name)) continue;
      seen.add(name);
      const stat = el("div", "sx-stat");
      stat.dataset.key = key;
      const shown = name.includes("accuracy") && typeof value === "number"
        ? (100 * value).toFixed(1) + "%" : formatValue(value);
      stat.append(el("span", "sx-stat-value", shown), el("span", "sx-stat-name", name));
      progressBox.append(stat);
    }
  }

  // ------------------------------------------------------------- marks
  // Toggle one feature, or several together (a pixel's channels), as a kind of reason.
  function toggle(features, focus) {
    const q = state.query;
    if (!q || state.busy) return;
    const list = Array.isArray(features) ? features : [features];
    const kind = focus && q.supports_focus ? "focus" : "ignore";
    const unmark = state.marks.get(list[0]) === kind;
    for (const feature of list) {
      if (unmark) state.marks.delete(feature);
      else state.marks.set(feature, kind);
    }
    renderMarks();
  }

  function clickMode(event) {
    // shift-click always asks for the other mode than the selected one
    return (state.mode === "focus") !== event.shiftKey;
  }

  const markables = [];  // [node, feature] pairs to restyle when marks change
  let redrawImage = null;

  function markable(node, feature) {
    node.dataset.feature = String(feature);
    node.tabIndex = 0;
    node.addEventListener("click", (event) => toggle(feature, clickMode(event)));
    node.addEventListener("keydown", (event) => {
      if (event.key === " ") { event.preventDefault(); toggle(feature, clickMode(event)); }
    });
    markables.push([node, feature]);
    return node;
  }

  function renderMarks() {
    for (const [node, feature] of markables) {
      const mark = state.marks.get(feature) || "";
      node.dataset.mark = mark;
      node.setAttribute("aria-pressed", mark ? "true" : "false");
    }
    if (redrawImage) redrawImage();
    const ignore = [...state.marks].filter(([, k]) => k === "ignore").length;
    const focus = [...state.marks].filter(([, k]) => k === "focus").length;
    summary.textContent = ignore || focus
      ? `Marked: ${ignore} wrong reason${ignore === 1 ? "" : "s"}` +
        (state.query && state.query.supports_focus ? `, ${focus} right reason${focus === 1 ? "" : "s"}` : "")
      : "No reasons marked: the label alone will be sent.";
  }
  const summary = el("p", "sx-summary");

  // ------------------------------------------------------------- views
  function featureByIndex(q) {
    const map = new Map();
    for (const f of q.features || []) map.set(f.index, f);
    return map;
  }

  // Pixels read as (row, column) rather than as the flat column name x52.
  function featureName(q, f) {
    const image = q.image;
    if (q.kind !== "image" || image.segments || !/^x\d+$/.test(String(f.name))) return f.name;
    const [h, w] = image.shape;
    const channels = Math.max(1, Math.round(image.pixels.length / (h * w)));
    const pixel = Math.floor(f.index / channels);
    const where = `pixel (${Math.floor(pixel / w)}, ${pixel % w})`;
    return channels > 1 ? `${where} channel ${f.index % channels}` : where;
  }

  function weightScale(values) {
    let m = 0;
    for (const w of values) if (typeof w === "number") m = Math.max(m, Math.abs(w));
    return m;
  }

  function tableView(q) {
    const wrap = el("div", "sx-table-wrap");
    const table = el("table", "sx-table");
    const head = el("tr");
    head.append(el("th", null, "feature"), el("th", null, "value"), el("th", "sx-num", "weight"));
    const thead = el("thead");
    thead.append(head);
    const body = el("tbody");
    for (const f of q.features || []) {
      const tr = el("tr", f.in_explanation ? "sx-explained" : "");
      tr.append(el("td", "sx-name", f.name), el("td", "sx-value", formatValue(f.value)),
        el("td", "sx-num", f.in_explanation ? formatWeight(f.weight) : ""));
      body.append(markable(tr, f.index));
    }
    table.append(thead, body);
    wrap.append(table);
    return wrap;
  }

  function documentView(q) {
    const doc = el("div", "sx-document");
    const scale = weightScale((q.tokens || []).map((t) => t.weight));
    for (const token of q.tokens || []) {
      if (token.feature === null || token.feature === undefined) {
        doc.append(document.createTextNode(token.text));
        continue;
      }
      const word = el("span", "sx-word", token.text);
      if (typeof token.weight === "number" && token.weight !== 0) {
        word.style.backgroundColor = heatColour(token.weight, scale, 0.55);
        word.title = formatWeight(token.weight);
        word.classList.add("sx-weighted");
      }
      doc.append(markable(word, token.feature));
    }
    return doc;
  }

  function imageView(q) {
    const image = q.image;
    const [h, w] = image.shape;
    const box = el("div", "sx-image");
    const canvas = el("canvas", "sx-canvas");
    const size = Math.max(1, Math.floor(336 / Math.max(h, w)));  // about 336 px wide
    canvas.width = w * size;
    canvas.height = h * size;
    canvas.setAttribute("role", "img");
    canvas.setAttribute("aria-label", `image ${h}\u00d7${w}; click a pixel to mark it`);
    const showHeat = el("input");
    showHeat.type = "checkbox";
    showHeat.checked = true;
    const heatLabel = el("label", "sx-check");
    heatLabel.append(showHeat, document.createTextNode(" show the explanation's heat map"));
    const scale = weightScale(image.heat || []);
    const channels = Math.max(1, Math.round(image.pixels.length / (h * w)));
    // The features a pixel stands for: its segment, or its value in each channel.
    const featuresOf = (i) => {
      if (image.segments) return [image.segments[i]];
      const first = i * channels;
      return Array.from({ length: channels }, (_, k) => first + k);
    };
    const ctx = canvas.getContext("2d");

    function draw() {
      for (let y = 0; y < h; y++) {
        for (let x = 0; x < w; x++) {
          const i = y * w + x;
          const rgb = [0, 1, 2].map((k) => Math.round(
            255 * Math.max(0, Math.min(1, image.pixels[i * channels + (channels === 3 ? k : 0)]))));
          ctx.fillStyle = `rgb(${rgb[0]}, ${rgb[1]}, ${rgb[2]})`;
          ctx.fillRect(x * size, y * size, size, size);
          const heat = image.heat ? image.heat[i] : 0;
          if (showHeat.checked && heat) {
            ctx.fillStyle = heatColour(heat, scale, 0.7);
            ctx.fillRect(x * size, y * size, size, size);
          }
          const mark = state.marks.get(featuresOf(i)[0]);
          if (mark) {
            ctx.strokeStyle = mark === "ignore" ? "#dc2626" : "#16a34a";
            ctx.lineWidth = Math.max(1, size / 6);
            ctx.strokeRect(x * size + 1, y * size + 1, size - 2, size - 2);
            if (mark === "ignore") {
              ctx.beginPath();
              ctx.moveTo(x * size + 2, y * size + 2);
              ctx.lineTo((x + 1) * size - 2, (y + 1) * size - 2);
              ctx.stroke();
            }
          }
        }
      }
    }
    canvas.addEventListener("click", (event) => {
      const rect = canvas.getBoundingClientRect();
      const x = Math.floor(((event.clientX - rect.left) / rect.width) * w);
      const y = Math.floor(((event.clientY - rect.top) / rect.height) * h);
      if (x >= 0 && x < w && y >= 0 && y < h) toggle(featuresOf(y * w + x), clickMode(event));
    });
    showHeat.addEventListener("change", draw);
    redrawImage = draw;
    box.append(canvas, heatLabel);
    return box;
  }

  function predictionView(q) {
    const box = el("section", "sx-card sx-prediction");
    const line = el("p", "sx-predicted");
    line.append(document.createTextNode("The model predicts "),
      el("strong", "sx-predicted-label", labelText(q.prediction)));
    box.append(el("h2", null, "Prediction"), line);
    const probs = el("div", "sx-probs");
    for (const label of q.labels || []) {
      const p = q.proba ? q.proba[labelText(label)] : undefined;
      if (typeof p !== "number") continue;
      const row = el("div", "sx-prob" + (sameLabel(label, q.prediction) ? " sx-is-predicted" : ""));
      const bar = el("span", "sx-prob-bar");
      const fill = el("span", "sx-prob-fill");
      fill.style.width = (100 * p).toFixed(1) + "%";
      bar.append(fill);
      row.append(el("span", "sx-prob-label", labelText(label)), bar,
        el("span", "sx-num", (100 * p).toFixed(1) + "%"));
      probs.append(row);
    }
    box.append(probs);
    return box;
  }

  function explanationView(q) {
    const box = el("section", "sx-card sx-explanation");
    box.append(el("h2", null, "Why: the explanation"));
    const hint = el("p", "sx-hint",
      "Click a feature the model should not rely on (a wrong reason)" +
      (q.supports_focus ? "; shift-click one that should matter (a right reason)." : "."));
    box.append(hint);
    if (q.supports_focus) {
      const modes = el("div", "sx-modes");
      modes.setAttribute("role", "radiogroup");
      for (const [mode, text] of [["ignore", "wrong reason (ignore)"], ["focus", "right reason (focus)"]]) {
        const b = el("button", "sx-mode", "click = " + text);
        b.type = "button";
        b.dataset.mode = mode;
        b.setAttribute("aria-checked", String(state.mode === mode));
        b.addEventListener("click", () => setMode(mode));
        modes.append(b);
      }
      box.append(modes);
    }
    const shown = (q.features || []).filter((f) => f.in_explanation);
    shown.sort((a, b) => Math.abs(b.weight) - Math.abs(a.weight));
    const scale = weightScale(shown.map((f) => f.weight));
    const list = el("div", "sx-bars");
    for (const f of shown) {
      const row = el("div", "sx-bar-row");
      row.setAttribute("role", "button");
      const name = el("span", "sx-bar-name", featureName(q, f));
      name.title = String(f.name);
      const track = el("span", "sx-bar-track");
      const fill = el("span", "sx-bar-fill " + (f.weight >= 0 ? "sx-for" : "sx-against"));
      const pct = scale > 0 ? (50 * Math.abs(f.weight)) / scale : 0;
      fill.style.width = pct.toFixed(1) + "%";
      if (f.weight >= 0) fill.style.left = "50%";
      else fill.style.left = (50 - pct).toFixed(1) + "%";
      track.append(el("span", "sx-bar-axis"), fill);
      row.append(name, track, el("span", "sx-num", formatWeight(f.weight)));
      list.append(markable(row, f.index));
    }
    if (!shown.length) list.append(el("p", "sx-hint", "This explanation names no feature."));
    const legend = el("p", "sx-legend");
    legend.append(el("span", "sx-swatch sx-for"), document.createTextNode(" for the prediction  "),
      el("span", "sx-swatch sx-against"), document.createTextNode(" against it"));
    box.append(list, legend);
    return box;
  }

  function answerView(q) {
    const box = el("section", "sx-card sx-answer");
    box.append(el("h2", null, "Your answer"));
    const labels = el("div", "sx-labels");
    (q.labels || []).forEach((label, i) => {
      const b = el("button", "sx-label" + (sameLabel(label, q.prediction) ? " sx-is-predicted" : ""));
      b.type = "button";
      if (i < 9) b.append(el("kbd", null, String(i + 1)));
      b.append(el("span", null, labelText(label)));
      b.dataset.label = JSON.stringify(label);
      b.addEventListener("click", () => submit(label));
      labels.append(b);
    });
    const actions = el("div", "sx-actions");
    const skip = el("button", "sx-secondary", "Skip");
    skip.type = "button";
    skip.prepend(el("kbd", null, "s"));
    skip.addEventListener("click", () => send("skip", { query_id: q.query_id }));
    const undo = el("button", "sx-secondary", "Undo last answer");
    undo.type = "button";
    undo.prepend(el("kbd", null, "u"));
    undo.addEventListener("click", () => send("undo", {}));
    actions.append(skip, undo);
    box.append(labels, summary, actions);
    return box;
  }

  function setMode(mode) {
    state.mode = mode;
    for (const b of root.querySelectorAll(".sx-mode")) {
      b.setAttribute("aria-checked", String(b.dataset.mode === mode));
    }
  }

  function render(q) {
    markables.length = 0;
    redrawImage = null;
    state.query = q;
    state.marks = new Map();
    main.replaceChildren();
    if (!q) {
      const done = el("section", "sx-card sx-done");
      done.append(el("h2", null, "Nothing left to label"),
        el("p", null, "Every row of the pool has been answered or skipped. Undo (u) takes back the last answer."));
      const undo = el("button", "sx-secondary", "Undo last answer");
      undo.type = "button";
      undo.addEventListener("click", () => send("undo", {}));
      done.append(undo);
      main.append(done);
      return;
    }
    const rowCard = el("section", "sx-card sx-row");
    const kindName = { table: "Row", document: "Document", image: "Image" }[q.kind] || "Row";
    rowCard.append(el("h2", null, `${kindName} ${formatValue(q.index)}`));
    const view = q.kind === "document" ? documentView(q) : q.kind === "image" ? imageView(q) : tableView(q);
    rowCard.append(view);
    const side = el("div", "sx-side");
    side.append(predictionView(q), explanationView(q), answerView(q));
    main.append(rowCard, side);
    main.dataset.queryId = q.query_id;
    for (const item of footer.querySelectorAll("[data-focus-only]")) item.hidden = !q.supports_focus;
    renderMarks();
  }

  // ------------------------------------------------------------- calls
  // One API call; the reply's query is shown. `note` is a warning to show after it.
  async function send(method, body, note) {
    if (state.busy) return;
    state.busy = true;
    root.classList.add("sx-busy");
    try {
      const { status, body: reply } = await transport.call(method, body);
      if (status === 200) {
        state.progress = reply.progress;
        renderProgress(reply.progress);
        if (method !== "progress") render(reply.query || null);
        const done = { answer: "Answer saved.", skip: "Skipped.", undo: "Last answer undone." }[method];
        if (note) say(note, "warn");
        else say(done || "", "ok");
      } else if (status === 409) {
        state.busy = false;
        await send("query", undefined,
          (reply && reply.error ? reply.error + " " : "") + "Here is the current query.");
      } else {
        say((reply && reply.error) || `The server answered ${status}.`, "error");
      }
    } catch (err) {
      say("Cannot reach the session: " + err.message, "error");
    } finally {
      state.busy = false;
      root.classList.remove("sx-busy");
    }
  }

  function submit(label) {
    const q = state.query;
    if (!q) return;
    const ignore = [], focus = [];
    for (const [feature, kind] of state.marks) (kind === "focus" ? focus : ignore).push(feature);
    send("answer", { query_id: q.query_id, label, ignore, focus });
  }

  function onKey(event) {
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    const tag = event.target && event.target.tagName;
    if (tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT") return;
    const q = state.query;
    if (/^[1-9]$/.test(event.key) && q && q.labels[Number(event.key) - 1] !== undefined) {
      submit(q.labels[Number(event.key) - 1]);
    } else if (event.key === "Enter" && q && tag !== "BUTTON") {
      submit(q.prediction);
    } else if (event.key === "s" && q) {
      send("skip", { query_id: q.query_id });
    } else if (event.key === "u") {
      send("undo", {});
    } else if (event.key === "f" && q && q.supports_focus) {
      setMode(state.mode === "focus" ? "ignore" : "focus");
    } else if (event.key === "Escape") {
      state.marks.clear();
      renderMarks();
    } else {
      return;
    }
    event.preventDefault();
    event.stopPropagation();
  }
  keyTarget.addEventListener("keydown", onKey);

  say("Loading the first query\u2026");
  send("query");
  return {
    reload: () => send("query"),
    destroy: () => keyTarget.removeEventListener("keydown", onKey),
  };
}
