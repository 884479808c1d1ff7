// The console's pages: one line each. `roles` decides who sees the page in the navigation (and may open it);
// `key` is its navigation shortcut. Another area adds its page here with one import and one line.
import { CustomerPage } from "./customer.js";
import { FloorPage } from "./floor.js";
import { QueuePage } from "./queue.js";
import { AuditPage } from "./audit.js";
import { OrdersSearchPage } from "./orders-search.js";
import { PlanningPage } from "./planning.js";
import { ReportsPage } from "./reports.js";
import { SurveysPage } from "./surveys.js";

export const PAGES = [
  { id: "queue", pattern: "/queue/:order?", href: "/queue", label: "nav.queue", key: "q", roles: ["operator", "supervisor"], component: QueuePage },
  { id: "floor", pattern: "/floor", href: "/floor", label: "nav.floor", key: "f", roles: ["supervisor", "admin"], component: FloorPage },
  { id: "customer", pattern: "/customers/:customer", roles: ["operator", "supervisor", "admin"], component: CustomerPage },
  // Reports, the shop manager's read-only pages and planning; a client_manager sees these five and nothing else.
  { id: "reports", pattern: "/reports", href: "/reports", label: "nav.reports", key: "g", roles: ["client_manager", "supervisor", "admin"], component: ReportsPage },
  { id: "orders", pattern: "/orders", href: "/orders", label: "nav.orders", key: "w", roles: ["client_manager", "supervisor", "admin"], component: OrdersSearchPage },
  { id: "audit", pattern: "/audit", href: "/audit", label: "nav.audit", key: "l", roles: ["client_manager", "supervisor", "admin"], component: AuditPage },
  { id: "surveys", pattern: "/surveys", href: "/surveys", label: "nav.surveys", key: "v", roles: ["client_manager", "supervisor", "admin"], component: SurveysPage },
  { id: "planning", pattern: "/planning", href: "/planning", label: "nav.planning", key: "p", roles: ["client_manager", "supervisor", "admin"], component: PlanningPage },
];
