// htm turns tagged templates into Preact elements, so the console needs no JSX compiler (no build step).
import { h, render } from "preact";
import htm from "htm";

export const html = htm.bind(h);
export { render };
export { useCallback, useEffect, useLayoutEffect, useMemo, useReducer, useRef, useState } from "preact/hooks";
