// The web page's transport: the JSON API over fetch(). The token travels in the
// HttpOnly cookie the first page load set, so this script never sees it.
import { mount } from "./ui.js";

const ROUTES = {
  query: ["GET", "/api/query"],
  progress: ["GET", "/api/progress"],
  answer: ["POST", "/api/answer"],
  skip: ["POST", "/api/skip"],
  undo: ["POST", "/api/undo"],
};

const fetchTransport = {
  async call(method, body) {
    const [verb, path] = ROUTES[method];
    const init = { method: verb, credentials: "same-origin", headers: {} };
    if (verb === "POST") {
      init.headers["Content-Type"] = "application/json";
      init.body = JSON.stringify(body || {});
    }
    const response = await fetch(path, init);
    let reply = null;
    try {
      reply = await response.json();
    } catch (err) {
      reply = { error: `The server answered ${response.status} without JSON.` };
    }
    return { status: response.status, body: reply };
  },
};

const root = document.getElementById("skxil");
window.skxilApp = mount(root, fetchTransport, { keyTarget: document });
