#!/usr/bin/env python3
"""Seeds K times the benchmark data set through the API (stdlib only, parallel
HTTP) and prints JSON with the ids the scale benchmark's requests need.

  usage: scale_seed.py BASE_URL K [WORKERS]

Per unit of K: 50 users, 160 upcoming runs over the next 15 days (every
region, theme, distance and hour), 40 runs that already took place, 100
courses in every region, and the interactions the course orderings follow
(bookmarks, ratings, comments, views) and ~440 applications. Per user the
history stays the same whatever K (each user hosts 4 runs, joins ~9, writes
2 courses): only the platform's total grows, as the issue's 10×/100× asks.

Creating runs is throttled per user (10 s): runs are created in rounds, one
per user per round, and the dev gateway's test clock moves 11 s between
rounds; past runs are created with the clock moved 20 days back. Within a
round the requests run in parallel (different hosts).
"""
import base64
import concurrent.futures as cf
import datetime as dt
import json
import random
import sys
import urllib.error
import urllib.request
import uuid

BASE = sys.argv[1]
K = int(sys.argv[2])
WORKERS = int(sys.argv[3]) if len(sys.argv) > 3 else 8
USERS, UPCOMING, PAST, COURSES, APPLICATIONS = 50 * K, 160 * K, 40 * K, 100 * K, 440 * K
KST = dt.timezone(dt.timedelta(hours=9))
ROUTE = json.dumps([{"lat": 37.49 + i / 1000, "lng": 127.02 + i / 1000} for i in range(40)])
THEMAS = ["산", "도시", "강변", "해변", "공원", "트랙"]
PLACES = ["서울 서초구 잠원동", "경기 수원시 영통구", "인천 서구 오류동", "강원 춘천시 효자동", "대전 유성구 봉명동",
          "대구 중구 동인동", "부산 해운대구 우동", "광주 북구 용봉동", "제주특별자치도 제주시 삼양동"]
PNG = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x06\0\0\0\x1f\x15\xc4\x89"
rnd = random.Random(7 + K)


def call(method, path, body=None, token=None, headers=None):
    data = None
    h = {"authorization": f"Bearer {token}" if token else "Bearer undefined"}
    if isinstance(body, (dict, list)):
        data = json.dumps(body).encode()
        h["content-type"] = "application/json"
    elif isinstance(body, bytes):
        data = body
    h.update(headers or {})
    req = urllib.request.Request(BASE + path, data=data, method=method, headers=h)
    for attempt in range(5):
        try:
            with urllib.request.urlopen(req, timeout=60) as r:
                return json.loads(r.read() or b"{}")
        except urllib.error.HTTPError as e:
            return json.loads(e.read() or b"{}")
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            if attempt == 4:
                raise


def parallel(fn, items):
    with cf.ThreadPoolExecutor(WORKERS) as pool:
        return list(pool.map(fn, items))


def clock(offset):
    call("PUT", "/__dev/clock", {"offsetSeconds": offset})


def multipart(fields, files=()):
    boundary = uuid.uuid4().hex
    out = b""
    for k, v in fields.items():
        out += f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'.encode()
    for name in files:
        out += (f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; filename="c.png"\r\n'
                f"Content-Type: image/png\r\n\r\n").encode() + PNG + b"\r\n"
    out += f"--{boundary}--\r\n".encode()
    return out, {"content-type": f"multipart/form-data; boundary={boundary}"}


def user_id(token):
    payload = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))["userId"]


def login(i):
    account = {"nickname": f"u{i}", "password": "pw"}
    call("POST", "/testSignup", account)
    token = call("POST", "/testlogin", account)["token"]
    call("PATCH", "/auth/userLike", {"likeLocation": str(i % 9 + 1), "likeDistance": str(i % 4 + 1),
                                      "userLevel": "오렌지"}, token)
    return token


def run_fields(n, start):
    return {
        "title": f"벤치 러닝 {n}", "maxPeople": str(rnd.choice([4, 6, 8, 10])),
        "date": start.strftime("%Y-%m-%d"), "standbyTime": start.strftime("%H:%M"), "finishTime": "23:00",
        "distance": str(round(rnd.uniform(2, 21), 2)), "speed": "5'30\" km/h",
        "location": rnd.choice(PLACES), "mapLatLng": ROUTE, "thema": rnd.choice(THEMAS),
        "parking": "", "baggage": "", "content": "함께 달려요", "chattingRoom": "",
    }


def create_runs(tokens, count, offset_base):
    """`count` runs in rounds of one per user; the clock moves 11 s per round."""
    made = 0
    round_no = 0
    while made < count:
        offset = offset_base + round_no * 11
        clock(offset)
        now = dt.datetime.now(KST) + dt.timedelta(seconds=offset)
        batch = []
        for u in range(min(len(tokens), count - made)):
            start = now + dt.timedelta(days=rnd.randint(1, 15), hours=rnd.randint(0, 23), minutes=rnd.choice([0, 30]))
            batch.append((tokens[u], run_fields(made + u, start)))

        def post(job):
            token, fields = job
            body, headers = multipart(fields)
            reply = call("POST", "/group", body, token, headers)
            if not reply.get("success"):
                raise SystemExit(f"run create failed: {reply}")
        parallel(post, batch)
        made += len(batch)
        round_no += 1
    return round_no


def main():
    tokens = parallel(login, range(USERS))
    rounds = create_runs(tokens, PAST, -20 * 86400)
    create_runs(tokens, UPCOMING, rounds * 11 + 60)
    clock(0)
    upcoming = []
    page = 1
    while True:
        data = call("GET", f"/group/all?page={page}&size=100")["data"]
        upcoming += [g["groupId"] for g in data]
        if len(data) < 100:
            break
        page += 1

    def apply(_):
        for _attempt in range(3):
            reply = call("POST", f"/group/{rnd.choice(upcoming)}/apply", None, rnd.choice(tokens))
            if reply.get("success") and reply["data"]["applyState"]:
                return 1
        return 0
    applied = sum(parallel(apply, range(APPLICATIONS)))

    def course(i):
        body, headers = multipart({
            "title": f"벤치 코스 {i}", "totalTime": "0h 30min", "distance": str(round(rnd.uniform(2, 21), 2)),
            "location": PLACES[i % len(PLACES)], "mapLatLng": ROUTE, "content": "내용", "thema": "도시",
        }, files=["courseImage"])
        reply = call("POST", "/course", body, tokens[i % USERS], headers)
        if not reply.get("success"):
            raise SystemExit(f"course failed: {reply}")
    parallel(course, range(COURSES))
    course_ids = []
    for t in tokens[:USERS]:
        course_ids += [c["courseId"] for c in call("GET", f"/course/mypage?userId={user_id(t)}", None, t)["data"]["feed"]]

    # Per course on average: 2 bookmarks, 1.5 ratings, 1 comment, 5 views.
    def interact(i):
        c = course_ids[i % len(course_ids)]
        t = tokens[rnd.randrange(USERS)]
        kind = i % 19
        if kind < 4:
            call("PATCH", f"/course/{c}/bookmark", None, t)
        elif kind < 7:
            call("PATCH", f"/course/{c}/starPoint", {"myStarPoint": rnd.randint(1, 5)}, t)
        elif kind < 9:
            call("POST", f"/comment/course/{c}", {"content": "좋아요"}, t)
        else:
            call("GET", f"/course/detail/{c}", None, t)
    interactions = len(course_ids) * 19 // 2
    parallel(interact, [rnd.randrange(10**9) for _ in range(interactions)])

    # The benchmark user: the same history at every K (bookmarks, comments on one course).
    me = tokens[1]
    mine = call("GET", f"/course/mypage?userId={user_id(me)}", None, me)["data"]["feed"]
    course_id = mine[0]["courseId"]
    for i in range(20):
        call("POST", f"/comment/course/{course_id}", {"content": f"댓글 {i}"}, tokens[(i + 2) % USERS])
        call("POST", f"/comment/group/{upcoming[0]}", {"content": f"댓글 {i}"}, tokens[(i + 2) % USERS])
    print(json.dumps({"token": me, "userId": user_id(me), "groupId": upcoming[0], "courseId": course_id,
                      "users": USERS, "upcoming": len(upcoming), "courses": len(course_ids),
                      "applications": applied, "interactions": interactions}))


if __name__ == "__main__":
    main()
