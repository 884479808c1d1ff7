// A call recording, played through Okno's API (GET /api/v1/recordings/{id}/audio: authorized and audited
// there; the audio never comes from a provider URL). An <audio src> cannot send the operator's bearer token,
// so the audio is fetched with it and played from a blob, like the console's downloads (lib/download.js);
// seeking then happens in the browser. The page owns the keys (space, ←/→) and reads the position from
// `player.current` to pin comments to it.
import { html, useEffect, useState } from "../lib/html.js";
import { API, ApiError, accessToken, refresh } from "../lib/api.js";
import { duration, t } from "../lib/i18n.js";

export const SEEK_SECONDS = 5;

async function audioUrl(recordingId, retried = false) {
  const response = await fetch(`${API}/recordings/${recordingId}/audio`, {
    headers: { authorization: `Bearer ${accessToken()}` },
  });
  if (response.status === 401 && !retried) {
    await refresh();
    return audioUrl(recordingId, true);
  }
  if (!response.ok) throw new ApiError(response.status, await response.json().catch(() => null));
  return URL.createObjectURL(await response.blob());
}

// Space: play or pause; ←/→: back or on by SEEK_SECONDS.
export function togglePlayback(audio) {
  if (!audio) return;
  if (audio.paused) audio.play().catch(() => {});
  else audio.pause();
}

export function seek(audio, seconds) {
  if (!audio) return;
  const end = Number.isFinite(audio.duration) ? audio.duration : Infinity;
  audio.currentTime = Math.min(Math.max(0, audio.currentTime + seconds), end);
}

export function RecordingPlayer({ recording, player, onTime }) {
  const [state, setState] = useState({ url: null, error: null });
  const [second, setSecond] = useState(0);
  useEffect(() => {
    let url = null;
    let gone = false;
    setState({ url: null, error: null });
    audioUrl(recording.recording_id).then(
      (made) => {
        url = made;
        if (gone) URL.revokeObjectURL(made);
        else setState({ url: made, error: null });
      },
      (error) => !gone && setState({ url: null, error: error.code === "recording_not_found" ? t("qa.recording_gone") : error.message }),
    );
    return () => {
      gone = true;
      if (url) URL.revokeObjectURL(url);
    };
  }, [recording.recording_id]);
  const moved = (event) => {
    const now = Math.floor(event.currentTarget.currentTime);
    setSecond(now);
    onTime?.(now);
  };
  if (state.error) return html`<p class="error" role="alert" data-testid="qa-recording-error">${state.error}</p>`;
  return html`<div class="qa-player" data-testid="qa-recording" data-second=${second}>
    <audio ref=${player} controls preload="auto" src=${state.url || undefined} data-testid="qa-audio"
      onTimeUpdate=${moved} onSeeked=${moved} aria-label=${t("qa.recording_label")}></audio>
    <small class="muted">${t("qa.recording_keys", { seek: SEEK_SECONDS })} ·
      <span data-testid="qa-position">${duration(second)}</span> / ${duration(recording.duration_seconds ?? 0)}</small>
  </div>`;
}
