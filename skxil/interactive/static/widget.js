// The notebook widget's transport: the same calls as model messages. Python
// answers each {id, method, body} message with {id, status, body}.
import { mount } from "./ui.js";

function modelTransport(model) {
  let next = 0;
  const pending = new Map();
  model.on("msg:custom", (message) => {
    const resolve = pending.get(message.id);
    if (resolve) {
      pending.delete(message.id);
      resolve({ status: message.status, body: message.body });
    }
  });
  return {
    call(method, body) {
      const id = ++next;
      return new Promise((resolve) => {
        pending.set(id, resolve);
        model.send({ id, method, body: body === undefined ? null : body });
      });
    },
  };
}

export default {
  render({ model, el }) {
    const root = document.createElement("div");
    root.tabIndex = 0;  // keys reach the widget, not the notebook, once it is clicked
    el.append(root);
    const app = mount(root, modelTransport(model));
    return () => app.destroy();
  },
};
