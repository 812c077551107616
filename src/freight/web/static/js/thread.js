// The thread page (/app/shipments/{id}/messages): just the live thread.
import { mountThread } from "./messages.js";

const section = document.getElementById("messages");
if (section) mountThread(section, { follow: true });
