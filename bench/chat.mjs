// Chat delivery latency: N socket.io clients (the frontend's client, from
// tests/chat) in one run's room; each sends messages at random moments and
// every client records when each message arrives. Prints p50/p99/max of
// send → receive over all deliveries (sender included), and whether every
// message reached every client exactly once.
//
//   node bench/chat.mjs http://127.0.0.1:3000        # against ./scripts/dev.sh
//   CLIENTS=20 MESSAGES=10 GAP_MS=3000 node bench/chat.mjs URL
//
// Needs ENABLE_TEST_ROUTES=1 (dev.sh's default): users come from /testSignup.
import { createRequire } from "node:module";

const require = createRequire(new URL("../tests/chat/package.json", import.meta.url));
const { io } = require("socket.io-client");

const BASE = process.argv[2] ?? "http://127.0.0.1:3000";
const CLIENTS = Number(process.env.CLIENTS ?? 20);
const MESSAGES = Number(process.env.MESSAGES ?? 10); // per client
const GAP_MS = Number(process.env.GAP_MS ?? 3000); // mean gap between a client's messages

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function call(method, path, { token, json, form } = {}) {
  const headers = {};
  if (token) headers.authorization = `Bearer ${token}`;
  let body;
  if (json) {
    headers["content-type"] = "application/json";
    body = JSON.stringify(json);
  } else if (form) {
    body = form;
  }
  const res = await fetch(BASE + path, { method, headers, body });
  const text = await res.text();
  try {
    return JSON.parse(text);
  } catch {
    throw new Error(`${method} ${path}: ${res.status} ${text.slice(0, 200)}`);
  }
}

async function user(i) {
  const account = { nickname: `bench${i}`, password: `pw-${Date.now()}-${i}-${Math.random()}` };
  await call("POST", "/testSignup", { json: account });
  const { token } = await call("POST", "/testlogin", { json: account });
  const userId = JSON.parse(Buffer.from(token.split(".")[1], "base64url").toString()).userId;
  return { token, userId };
}

async function run(host) {
  const kst = new Date(Date.now() + 9 * 3600e3 + 3 * 86400e3);
  const form = new FormData();
  const fields = {
    title: "채팅 벤치", maxPeople: String(CLIENTS + 5), date: kst.toISOString().slice(0, 10),
    standbyTime: "07:00", startTime: "07:00", finishTime: "09:00", distance: "5",
    speed: "6'00\" km/h", location: "서울 서초구 잠원동 122-1",
    mapLatLng: '[{"lat":37.49,"lng":127.02},{"lat":37.5,"lng":127.03}]', thema: "강변",
    parking: "", baggage: "", content: "bench", chattingRoom: "",
  };
  for (const [k, v] of Object.entries(fields)) form.append(k, v);
  const created = await call("POST", "/group", { token: host.token, form });
  if (!created.success) throw new Error(`create run: ${JSON.stringify(created)}`);
  const mine = await call("GET", `/group/mypage?userId=${host.userId}`, { token: "undefined" });
  return mine.data[0].groupId;
}

function percentile(sorted, p) {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

const users = [];
for (let i = 0; i < CLIENTS; i++) users.push(await user(i));
const groupId = await run(users[0]);
for (const u of users.slice(1)) {
  const r = await call("POST", `/group/${groupId}/apply`, { token: u.token });
  if (!r.success) throw new Error(`apply: ${JSON.stringify(r)}`);
}

const latencies = [];
const seen = new Map(); // message → receptions
const sockets = await Promise.all(
  users.map(
    (u) =>
      new Promise((resolve, reject) => {
        const socket = io.connect(BASE, { forceNew: true });
        socket.once("chatList", () => resolve(socket));
        socket.once("connect_error", reject);
        socket.on("chatMessage", (m) => {
          const [, sentAt] = m.message.split("|");
          latencies.push(Date.now() - Number(sentAt));
          seen.set(m.message, (seen.get(m.message) ?? 0) + 1);
        });
        socket.emit("chatRoom", groupId, u.userId);
      }),
  ),
);
console.error(`${CLIENTS} clients joined run ${groupId}; sending ${CLIENTS * MESSAGES} messages`);
const started = Date.now();
await Promise.all(
  sockets.map(async (socket, i) => {
    for (let k = 0; k < MESSAGES; k++) {
      await sleep(Math.random() * 2 * GAP_MS);
      socket.emit("reqMessage", groupId, users[i].userId, `${i}.${k}|${Date.now()}`);
    }
  }),
);
const expected = CLIENTS * MESSAGES * CLIENTS;
const deadline = Date.now() + 30_000;
while (latencies.length < expected && Date.now() < deadline) await sleep(50);
for (const s of sockets) s.disconnect();

// IDLE_PROBE=1: one more member, speaking Engine.IO by hand, joins the room
// and holds one idle poll; the dev gateway reports its DynamoDB calls.
let idlePoll;
if (process.env.IDLE_PROBE === "1") {
  const q = (sid) => `${BASE}/socket.io/?EIO=4&transport=polling&t=${Date.now()}${sid ? `&sid=${sid}` : ""}`;
  const open = JSON.parse((await (await fetch(q())).text()).slice(1));
  const post = (body) => fetch(q(open.sid), { method: "POST", body, headers: { "content-type": "text/plain;charset=UTF-8" } });
  await post("40");
  await (await fetch(q(open.sid))).text();
  await post(`42${JSON.stringify(["chatRoom", groupId, users[1].userId])}`);
  await (await fetch(q(open.sid))).text();
  const t0 = Date.now();
  const res = await fetch(q(open.sid));
  idlePoll = { body: await res.text(), held_ms: Date.now() - t0, ddb_calls: Number(res.headers.get("x-erun-ddb-calls")) };
}

latencies.sort((a, b) => a - b);
const duplicates = [...seen.values()].filter((n) => n > CLIENTS).length;
const report = {
  clients: CLIENTS,
  messages: CLIENTS * MESSAGES,
  deliveries: latencies.length,
  expectedDeliveries: expected,
  duplicates,
  seconds: (Date.now() - started) / 1000,
  p50_ms: percentile(latencies, 50),
  p99_ms: percentile(latencies, 99),
  max_ms: latencies.at(-1),
  idlePoll,
};
console.log(JSON.stringify(report));
process.exit(latencies.length === expected && duplicates === 0 ? 0 : 1);
