// Downloads that need the bearer token (exports, daily reports): fetched, then saved through a blob link,
// because a plain <a href> would reach the API without the operator's token.
import { API, ApiError, accessToken, refresh } from "./api.js";

export async function download(path, filename, { retried = false } = {}) {
  const response = await fetch(`${API}${path}`, { headers: { authorization: `Bearer ${accessToken()}` } });
  if (response.status === 401 && !retried) {
    await refresh();
    return download(path, filename, { retried: true });
  }
  if (!response.ok) throw new ApiError(response.status, await response.json().catch(() => null));
  const url = URL.createObjectURL(await response.blob());
  const link = Object.assign(document.createElement("a"), { href: url, download: filename });
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

