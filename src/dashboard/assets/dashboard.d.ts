// dashboard.js runs in the browser; the server imports its text (`with { type: "text" }`) to serve it.
declare const text: string;
export default text;
