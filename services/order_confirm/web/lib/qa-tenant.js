// The shop whose calls the QA pages show: the signed-in user's first tenant (QA and supervisors usually work
// for one shop; the API scopes every route by it anyway).
import { useEffect, useState } from "./html.js";
import { get } from "./api.js";

export function useQaTenant() {
  const [tenant, setTenant] = useState(null);
  useEffect(() => {
    get("/auth/me").then((me) => setTenant(me.tenant_ids[0] ?? null), () => setTenant(null));
  }, []);
  return tenant;
}

export const qaPath = (tenant, path) => `/qa/tenants/${tenant}${path}`;
