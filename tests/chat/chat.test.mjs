// The frontend's socket.io-client (the version pinned in package-lock.json)
// against a running dev gateway, doing what the /chat/:groupId page does.
// Started by tests/api/chat.rs, which creates the run and its users and
// passes them in the environment. Run alone: CHAT_URL=… GROUP_ID=… node --test
import { test } from "node:test";
import assert from "node:assert/strict";
import { io } from "socket.io-client";

function env(name) {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set`);
  return value;
}

const URL = env("CHAT_URL");
const GROUP = env("GROUP_ID");
const HOST = env("HOST_ID");
const MEMBER = env("MEMBER_ID");
const OUTSIDER = env("OUTSIDER_ID");
const PING = Number(env("PING_INTERVAL_MS"));

// As the frontend: io.connect(URL) and nothing else. `forceNew` only because
// several "browsers" share this process: the client's manager cache would
// otherwise multiplex them onto one Engine.IO session.
const open = () => io.connect(URL, { forceNew: true });

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

function next(socket, event, ms = 5000) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      socket.off(event, on);
      reject(new Error(`no ${event} within ${ms} ms`));
    }, ms);
    const on = (...args) => {
      clearTimeout(timer);
      resolve(args);
    };
    socket.once(event, on);
  });
}

function collect(socket, event) {
  const seen = [];
  socket.on(event, (value) => seen.push(value));
  return seen;
}

async function until(what, check, ms = 5000) {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (check()) return;
    await sleep(20);
  }
  throw new Error(`timed out waiting for ${what}`);
}

async function join(socket, userId) {
  const list = next(socket, "chatList");
  socket.emit("chatRoom", GROUP, userId); // buffered until connected, like on mount
  return (await list)[0];
}

test("members chat through the gateway exactly as the frontend's chat page does", async () => {
  const host = open();
  const member = open();
  const outsider = open();
  try {
    assert.deepEqual(await join(host, HOST), [], "an empty room has an empty history");
    const hostGot = collect(host, "chatMessage");
    assert.deepEqual(await join(member, MEMBER), []);
    const memberGot = collect(member, "chatMessage");

    host.emit("reqMessage", GROUP, HOST, "7시에 2번 출구에서 만나요");
    await until("the first message at both", () => hostGot.length === 1 && memberGot.length === 1);
    assert.deepEqual(Object.keys(memberGot[0]).sort(), ["groupId", "message", "nickname", "profileUrl", "userId"]);
    assert.equal(memberGot[0].userId, HOST);
    assert.equal(memberGot[0].groupId, GROUP);
    assert.equal(memberGot[0].nickname, "호스트");
    assert.equal(memberGot[0].message, "7시에 2번 출구에서 만나요");
    assert.deepEqual(hostGot[0], memberGot[0], "the sender receives its own message");

    // A non-applicant sees no history and cannot post; an empty message is dropped.
    assert.deepEqual(await join(outsider, OUTSIDER), []);
    const outsiderGot = collect(outsider, "chatMessage");
    outsider.emit("reqMessage", GROUP, OUTSIDER, "몰래 한마디");
    member.emit("reqMessage", GROUP, MEMBER, "");
    member.emit("reqMessage", GROUP, MEMBER, "네 좋아요");
    await until("the member's message", () => hostGot.length >= 2 && memberGot.length >= 2);
    await sleep(300);
    assert.deepEqual(hostGot.map((m) => m.message), ["7시에 2번 출구에서 만나요", "네 좋아요"]);
    assert.equal(hostGot[1].nickname, "러너");
    assert.equal(outsiderGot.length, 0, "a non-applicant is not in the room");

    // Heartbeat: the client closes a session that is not pinged within
    // pingInterval + pingTimeout; stay well past several intervals.
    let pings = 0;
    host.io.engine.on("ping", () => pings++);
    const hostDrops = collect(host, "disconnect");
    await sleep(PING * 3.5);
    assert.ok(pings >= 2, `pinged ${pings} times in 3.5 intervals`);
    assert.equal(hostDrops.length, 0, `no disconnect: ${hostDrops}`);
    assert.ok(host.connected);
    assert.equal(host.io.engine.transport.name, "polling", "no upgrade is offered");

    // Leaving the page and coming back: a new session, the history again.
    member.disconnect();
    assert.equal(member.connected, false);
    member.connect();
    const history = await join(member, MEMBER);
    assert.deepEqual(history.map((r) => [r.chatId, r.message]), [
      [1, "7시에 2번 출구에서 만나요"],
      [2, "네 좋아요"],
    ]);
    assert.deepEqual(Object.keys(history[0]).sort(), ["chatId", "groupId", "message", "nickname", "profileUrl", "userId"]);

    member.emit("reqMessage", GROUP, MEMBER, "다시 왔어요");
    await until("the message after reconnecting", () => hostGot.length === 3 && memberGot.length === 3);
    await sleep(300);
    assert.equal(hostGot.length, 3, "delivered once");
    assert.equal(memberGot.filter((m) => m.message === "다시 왔어요").length, 1);
    assert.equal(outsiderGot.length, 0);
  } finally {
    for (const socket of [host, member, outsider]) socket.disconnect();
  }
});
