// The daily reports the scheduler made (GET /api/v1/reports/daily): one per shop and day, as XLSX.
import { html, useEffect, useState } from "../lib/html.js";
import { get } from "../lib/api.js";
import { dateTime, day, t, useLanguage } from "../lib/i18n.js";
import { download } from "../lib/download.js";
import { figure, searchParams } from "../lib/report-format.js";

export function DailyReports({ tenantId }) {
  useLanguage();
  const [reports, setReports] = useState(null);
  useEffect(() => {
    get(`/reports/daily?${searchParams({ tenant_id: tenantId, limit: 14 })}`).then(setReports, () => setReports([]));
  }, [tenantId]);
  if (reports === null) return null;
  const save = (entry) =>
    download(`/reports/daily/${entry.day}.xlsx?tenant_id=${entry.tenant_id}`, `okno-daily-${entry.tenant}-${entry.day}.xlsx`).catch(() => {});
  return html`<section class="panel daily-reports" data-testid="daily-reports">
    <h3>${t("reports.daily")}</h3>
    ${reports.length === 0 && html`<p class="muted">${t("reports.daily_empty")}</p>`}
    <ul>
      ${reports.map(
        (entry) => html`<li key=${`${entry.tenant_id}-${entry.day}`}>
          <button type="button" class="link" onClick=${() => save(entry)}>${day(entry.day)} · ${entry.tenant} · XLSX</button>
          <small class="muted"> ${t("kpi.orders")}: ${figure(entry.figures.outcomes?.orders, "count")} ·
            ${t("kpi.service_level")}: ${figure(entry.figures.speed?.service_level, "share")} ·
            ${t("kpi.csat")}: ${figure(entry.figures.quality?.csat_average, "number")} · ${dateTime(entry.generated_at)}</small>
        </li>`,
      )}
    </ul>
  </section>`;
}
