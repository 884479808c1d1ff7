// Filters fire one request per change; an older answer that arrives last must not overwrite a newer one.
import { useRef } from "./html.js";

export function useLatestOnly() {
  const latest = useRef(0);
  return (promise) => {
    const ticket = ++latest.current;
    return new Promise((resolve, reject) =>
      promise.then(
        (value) => ticket === latest.current && resolve(value),
        (error) => ticket === latest.current && reject(error),
      ),
    );
  };
}
