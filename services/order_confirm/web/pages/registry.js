// The console's pages: one line each. `roles` decides who sees the page in the navigation (and may open it);
// `key` is its navigation shortcut. Another area adds its page here with one import and one line.
import { CustomerPage } from "./customer.js";
import { FloorPage } from "./floor.js";
import { QueuePage } from "./queue.js";

export const PAGES = [
  { id: "queue", pattern: "/queue/:order?", href: "/queue", label: "nav.queue", key: "q", roles: ["operator", "supervisor"], component: QueuePage },
  { id: "floor", pattern: "/floor", href: "/floor", label: "nav.floor", key: "f", roles: ["supervisor", "admin"], component: FloorPage },
  { id: "customer", pattern: "/customers/:customer", roles: ["operator", "supervisor", "admin"], component: CustomerPage },
];
