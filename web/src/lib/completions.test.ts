import { describe, expect, it } from "vitest";
import { accept, complete, openBraces, type Sources } from "./completions";
import { dropInto, jsonAccess, keysOf, pythonAccess, readDrop, FIELD_MIME } from "./dropField";

const sources: Sources = {
  items: [
    { name: "Ada", price: 12.5, customer: { city: "Paris", zip: null }, tags: ["a"], "order id": 7 },
    { name: "Bob", price: 3, customer: { city: "Rome", zip: "00100", vip: true } },
  ],
  nodes: ["Orders", "Order lines", "Totals"],
  functions: [
    { name: "len", signature: "len(x)", description: "length" },
    { name: "if_empty", signature: "if_empty(value, fallback)", description: "fallback when empty" },
  ],
  outputOf: (name) => (name === "Orders" ? [{ sku: "a", qty: 2 }] : []),
};

/** Complete at the `|` in `text`. */
const at = (text: string, mode: "template" | "python" = "template", explicit = false) => complete(text.replace("|", ""), text.indexOf("|"), sources, mode, explicit);
const labels = (text: string, mode: "template" | "python" = "template") => at(text, mode)?.options.map((o) => o.label) ?? [];
/** The text after taking the option labelled `label`. */
const take = (text: string, label: string, mode: "template" | "python" = "template") => {
  const c = at(text, mode)!;
  const done = accept(text.replace("|", ""), c, c.options.find((o) => o.label === label)!);
  return done.text.slice(0, done.caret) + "|" + done.text.slice(done.caret);
};

describe("expression completion", () => {
  it("offers the input items' fields after $json., with their kinds", () => {
    expect(labels("={{ $json.| }}").slice(0, 5)).toEqual(["name", "price", "customer", "tags", "order id"]);
    expect(labels("={{ $json.| }}")).toContain("get"); // then an object's methods
    expect(at("={{ $json.| }}")!.options.find((o) => o.label === "customer")!.detail).toBe("object");
    expect(take("={{ $json.pr| }}", "price")).toBe("={{ $json.price| }}");
  });

  it("walks nested fields and offers the union of every item's keys", () => {
    expect(labels("={{ $json.customer.| }}").slice(0, 3)).toEqual(["city", "zip", "vip"]);
    expect(at("={{ $json.customer.| }}")!.options.find((o) => o.label === "zip")!.detail).toBe("text"); // not null: Bob has one
    expect(labels('={{ $json["customer"].c| }}')[0]).toBe("city");
  });

  it("writes a key that is no Python name in brackets, in place of the dot", () => {
    expect(take("={{ $json.ord| }}", "order id")).toBe('={{ $json["order id"]| }}');
    expect(complete("={{ $json.cl }}", 12, { ...sources, items: [{ class: 1 }] })!.options[0]).toMatchObject({ apply: '["class"]' });
    expect(take('={{ $json["ord| }}', "order id")).toBe('={{ $json["order id"]| }}');
  });

  it("offers methods by the value's kind", () => {
    expect(labels("={{ $json.name.up| }}")).toEqual(["upper", "isupper"]); // starting with it, then holding it
    expect(take("={{ $json.name.up| }}", "upper")).toBe("={{ $json.name.upper(| }}");
    expect(labels("={{ $json.tags.| }}")).toEqual(["count", "index", "copy"]);
  });

  it("offers node names after $(\" and closes the call", () => {
    expect(labels('={{ $("| }}')).toEqual(["Orders", "Order lines", "Totals"]);
    expect(labels('={{ $("Ord| }}')).toEqual(["Orders", "Order lines"]);
    expect(take('={{ $("Tot| }}', "Totals")).toBe('={{ $("Totals")| }}');
    expect(take('={{ $("Tot|") }}', "Totals")).toBe('={{ $("Totals|") }}');
    expect(take("={{ $(| }}", "Orders")).toBe('={{ $("Orders")| }}');
    expect(take('={{ $node["Or| }}', "Orders")).toBe('={{ $node["Orders"]| }}');
  });

  it("offers another node's fields after $(\"Name\").item.", () => {
    expect(labels('={{ $("Orders").item.| }}').slice(0, 2)).toEqual(["sku", "qty"]);
    expect(labels('={{ $("Orders").first().json.q| }}')).toEqual(["qty"]);
    expect(labels('={{ $node["Orders"].json.| }}').slice(0, 2)).toEqual(["sku", "qty"]);
  });

  it("offers functions and variables while a name is typed", () => {
    expect(labels("={{ if| }}")).toEqual(["if_empty"]);
    expect(take("={{ le| }}", "len")).toBe("={{ len(| }}");
    expect(labels("={{ $j| }}")).toEqual(["$json"]);
    expect(at("={{ 1 + | }}")).toBeNull(); // nothing typed, nothing asked
    expect(at("={{ 1 + | }}", "template", true)!.options.length).toBeGreaterThan(10); // Ctrl+Space
  });

  it("offers nothing outside the braces", () => {
    expect(at("=Hello $json.| {{ $json.name }}")).toBeNull();
    expect(at("={{ $json.name }} $json.|")).toBeNull();
    expect(openBraces("={{ a }} {{ b", 13)).toBe(11);
  });

  it("offers item[\" fields in a code node's Python, and its names", () => {
    expect(labels('for item in items:\n    x = item["| ', "python")).toEqual(["name", "price", "customer", "tags", "order id"]);
    expect(take('x = item["pr|', "price", "python")).toBe('x = item["price"]|');
    expect(take("x = item['customer']['ci|", "city", "python")).toBe("x = item['customer']['city']|");
    expect(labels("return ite|", "python")).toEqual(["items", "item"]);
    expect(labels("x = item.|", "python")).toContain("get"); // a dict's methods, not its keys
    expect(labels("x = item.|", "python")).not.toContain("name");
  });
});

describe("dropping a field into a parameter", () => {
  const field = { path: "customer.city", node: "Orders", expression: "{{ $json.customer.city }}" };
  const dropped = (text: string, kind: "expression" | "text" | "value" | "python") => {
    const done = dropInto(text.replace("|", ""), text.indexOf("|"), field, kind);
    return done.text.slice(0, done.caret) + "|" + done.text.slice(done.caret);
  };

  it("turns a fixed text into a template with the expression at the drop point", () => {
    expect(dropped("|", "text")).toBe("={{ $json.customer.city }}|");
    expect(dropped("City: |!", "text")).toBe("=City: {{ $json.customer.city }}|!");
  });

  it("inserts the bare expression inside braces, the whole one outside", () => {
    expect(dropped("={{ 1 + | }}", "expression")).toBe("={{ 1 + $json.customer.city| }}");
    expect(dropped("={{| }}", "expression")).toBe("={{ $json.customer.city| }}"); // spaced from the braces
    expect(dropped("={{ |}}", "expression")).toBe("={{ $json.customer.city| }}");
    expect(dropped("={{ $json.a }} |", "expression")).toBe("={{ $json.a }} {{ $json.customer.city }}|");
    expect(dropped("|={{ $json.a }}", "expression")).toBe("={{ $json.customer.city }}|{{ $json.a }}"); // never before the =
  });

  it("replaces a value that is no text, and writes Python in code", () => {
    expect(dropped("5|", "value")).toBe("={{ $json.customer.city }}|");
    expect(dropped("return [|]", "python")).toBe('return [item["customer"]["city"]|]');
  });

  it("spells paths as expressions and as Python", () => {
    expect(jsonAccess("order id")).toBe('$json["order id"]');
    expect(jsonAccess("tags.0")).toBe("$json.tags[0]");
    expect(pythonAccess("tags.0")).toBe('item["tags"][0]');
    expect(jsonAccess("class")).toBe('$json["class"]');
  });

  it("reads paths as the data panel writes them", () => {
    expect(keysOf("tags[0].name")).toEqual(["tags", 0, "name"]);
    expect(keysOf('["order id"]')).toEqual(["order id"]);
    expect(keysOf('customer["first name"].x')).toEqual(["customer", "first name", "x"]);
    expect(keysOf("customer.city")).toEqual(["customer", "city"]);
    expect(keysOf("order id")).toEqual(["order id"]); // plain, not an accessor
    expect(pythonAccess('items[2]["a \\"b\\""]')).toBe('item["items"][2]["a \\"b\\""]');
  });

  it("reads the drag's data, building the expression when it has none", () => {
    const data = (text: string) => ({ getData: (t: string) => (t === FIELD_MIME ? text : "") }) as unknown as DataTransfer;
    expect(readDrop(data(JSON.stringify(field)))).toEqual(field);
    expect(readDrop(data('{"path": "a b"}'))!.expression).toBe('{{ $json["a b"] }}');
    expect(readDrop(data("not json"))).toBeNull();
    expect(readDrop(data(""))).toBeNull();
  });
});
