// Staff pages: the number of unread messages (from others, on loads the user may see)
// beside "Board" in the navigation, linking to the board's loads with unread messages.
import { api } from "./api.js";

const board = document.querySelector('.nav-list a[href="/app/dispatch"]');

function show(total) {
  if (!board) return;
  let badge = board.parentElement.querySelector(".nav-badge");
  if (!total) {
    badge?.remove();
    return;
  }
  if (!badge) {
    badge = document.createElement("a");
    badge.className = "nav-badge";
    badge.href = "/app/dispatch?status=open&unread=1";
    board.after(badge);
  }
  const words = `${total} unread ${total === 1 ? "message" : "messages"}`;
  badge.textContent = total > 99 ? "99+" : String(total);
  badge.setAttribute("aria-label", words);
  badge.title = words;
}

export async function refreshUnread() {
  try {
    const summary = await api("/api/messages/unread");
    show(summary.items.reduce((sum, item) => sum + item.unread_count, 0));
  } catch {
    // the badge is a convenience: the board and threads still say what is unread
  }
}

if (board && ["dispatcher", "admin"].includes(document.body.dataset.role)) refreshUnread();
