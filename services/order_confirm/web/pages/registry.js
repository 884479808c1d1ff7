// The console's pages: one line each. `roles` decides who sees the page in the navigation (and may open it);
// `key` is its navigation shortcut. Another area adds its page here with one import and one line.
import { CustomerPage } from "./customer.js";
import { FloorPage } from "./floor.js";
import { QueuePage } from "./queue.js";
import { AuditPage } from "./audit.js";
import { OrdersSearchPage } from "./orders-search.js";
import { PlanningPage } from "./planning.js";
import { MyEvaluationsPage } from "./my-evaluations.js";
import { QaEvaluatePage } from "./qa-evaluate.js";
import { QaQueuePage } from "./qa-queue.js";
import { QaReportsPage } from "./qa-reports.js";
import { ReportsPage } from "./reports.js";
import { SurveysPage } from "./surveys.js";

export const PAGES = [
  { id: "queue", pattern: "/queue/:order?", href: "/queue", label: "nav.queue", key: "q", roles: ["operator", "supervisor"], component: QueuePage },
  { id: "floor", pattern: "/floor", href: "/floor", label: "nav.floor", key: "f", roles: ["supervisor", "admin"], component: FloorPage },
  { id: "customer", pattern: "/customers/:customer", roles: ["operator", "supervisor", "admin"], component: CustomerPage },
  // Reports, the shop manager's read-only pages and planning; a client_manager sees these five and Quality below.
  { id: "reports", pattern: "/reports", href: "/reports", label: "nav.reports", key: "g", roles: ["client_manager", "supervisor", "admin"], component: ReportsPage },
  { id: "orders", pattern: "/orders", href: "/orders", label: "nav.orders", key: "w", roles: ["client_manager", "supervisor", "admin"], component: OrdersSearchPage },
  { id: "audit", pattern: "/audit", href: "/audit", label: "nav.audit", key: "l", roles: ["client_manager", "supervisor", "admin"], component: AuditPage },
  { id: "surveys", pattern: "/surveys", href: "/surveys", label: "nav.surveys", key: "v", roles: ["client_manager", "supervisor", "admin"], component: SurveysPage },
  { id: "planning", pattern: "/planning", href: "/planning", label: "nav.planning", key: "p", roles: ["client_manager", "supervisor", "admin"], component: PlanningPage },
  // Quality assurance: the QA queue and evaluation form; an operator's own evaluations and the kudos wall.
  { id: "qa", pattern: "/qa", href: "/qa", label: "nav.qa", key: "u", roles: ["qa", "supervisor"], component: QaQueuePage },
  { id: "qa-evaluate", pattern: "/qa/evaluate/:attempt", roles: ["qa"], component: QaEvaluatePage },
  { id: "qa-reports", pattern: "/qa/reports", href: "/qa/reports", label: "nav.quality", key: "h", roles: ["qa", "client_manager", "supervisor", "admin"], component: QaReportsPage },
  { id: "qa-calibration", pattern: "/qa/calibrations/:calibration", roles: ["qa", "client_manager", "supervisor"], component: QaEvaluatePage },
  { id: "my-evaluations", pattern: "/evaluations", href: "/evaluations", label: "nav.my_evaluations", key: "i", roles: ["operator"], component: MyEvaluationsPage },
];
