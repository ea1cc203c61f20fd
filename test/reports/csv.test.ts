import { expect, test } from "bun:test";
import { toCsv } from "../../src/reports/format.ts";

test("CSV text a spreadsheet would run as a formula is neutralised; numbers and plain text are kept", () => {
  const rows = [
    { name: '=HYPERLINK("http://evil","x")', n: -1 },
    { name: "+1", n: 0 },
    { name: "-cmd", n: 2.5 },
    { name: "@SUM(A1)", n: null },
    { name: "\tx", n: 1 },
    { name: "demo/app", n: 3 },
  ];
  expect(toCsv(["name", "n"], rows).split("\r\n")).toEqual([
    "name,n",
    `"'=HYPERLINK(""http://evil"",""x"")",-1`,
    "'+1,0",
    "'-cmd,2.5",
    "'@SUM(A1),",
    "'\tx,1",
    "demo/app,3",
    "",
  ]);
});
