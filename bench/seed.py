#!/usr/bin/env python3
"""Seeds the benchmark data set through the API (stdlib only) and prints
JSON with what the endpoint list needs: {"token", "groupId", ...}.

  50 users; 200 group runs (40 in the past, 160 upcoming), each hosted by one
  of the users; ~440 applications spread over the upcoming runs.

Past runs are created with the dev gateway's test clock moved back (the API
refuses runs less than 6 h ahead), exactly as a user would have created them
then. Runs of one user are spaced by moving the clock 11 s (the 10-second
double-post rule).
"""
import datetime as dt
import json
import random
import sys
import urllib.request
import uuid

BASE = sys.argv[1]
USERS = 50
RUNS = 200
PAST = 40
APPLICATIONS = 440
KST = dt.timezone(dt.timedelta(hours=9))
ROUTE = json.dumps([{"lat": 37.49 + i / 1000, "lng": 127.02 + i / 1000} for i in range(142)])
THEMAS = ["산", "도시", "강변", "해변", "공원", "트랙"]
PLACES = ["서울 서초구 잠원동", "경기 수원시 영통구", "인천 서구 오류동", "부산 해운대구", "대전 유성구", "제주특별자치도 제주시"]
random.seed(7)


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
    try:
        with urllib.request.urlopen(req) as r:
            return json.loads(r.read() or b"{}")
    except urllib.error.HTTPError as e:
        return json.loads(e.read() or b"{}")


def clock(offset):
    call("PUT", "/__dev/clock", {"offsetSeconds": offset})


PNG = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x06\0\0\0\x1f\x15\xc4\x89"


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


def login(i):
    account = {"nickname": f"bench{i}", "password": "pw"}
    call("POST", "/testSignup", account)
    return call("POST", "/testlogin", account)["token"]


def main():
    tokens = [login(i) for i in range(USERS)]
    group_ids = []
    base_offset = -20 * 86400  # past runs: created 20 days ago, 1..15 days ahead of that
    current = None
    for n in range(RUNS):
        past = n < PAST
        offset = (base_offset if past else 0) + (n // USERS) * 11
        if offset != current:
            clock(offset)
            current = offset
        now = dt.datetime.now(KST) + dt.timedelta(seconds=offset)
        start = now + dt.timedelta(days=random.randint(1, 15), hours=random.randint(0, 23))
        fields = {
            "title": f"벤치 러닝 {n}", "maxPeople": str(random.choice([4, 6, 8, 10])),
            "date": start.strftime("%Y-%m-%d"), "standbyTime": start.strftime("%H:%M"), "finishTime": "23:00",
            "distance": str(round(random.uniform(2, 21), 2)), "speed": "5'30\" km/h",
            "location": random.choice(PLACES), "mapLatLng": ROUTE, "thema": random.choice(THEMAS),
            "parking": "", "baggage": "", "content": "함께 달려요", "chattingRoom": "",
        }
        body, headers = multipart(fields)
        reply = call("POST", "/group", body, tokens[n % USERS], headers)
        if not reply.get("success"):
            raise SystemExit(f"create failed: {reply}")
    clock(0)
    for i in range(USERS):
        for item in call("GET", f"/group/mypage?userId={user_id(tokens[i])}")["data"]:
            group_ids.append(item["groupId"])
    upcoming = [g for g in call("GET", "/group/all")["data"]]
    applied = 0
    attempts = 0
    while applied < APPLICATIONS and attempts < APPLICATIONS * 3:
        attempts += 1
        g = random.choice(upcoming)
        reply = call("POST", f"/group/{g['groupId']}/apply", None, random.choice(tokens))
        if reply.get("success") and reply["data"]["applyState"]:
            applied += 1
    # Courses (30) with comments (20 on one course), which also writes alarms.
    clock(0)
    for i in range(30):
        body, headers = multipart({
            "title": f"벤치 코스 {i}", "totalTime": "0h 30min", "distance": "5.05",
            "location": random.choice(PLACES), "mapLatLng": ROUTE, "content": "내용", "thema": "도시",
        }, files=["courseImage"])
        if i % USERS == 0 and i:
            clock(11 * (i // USERS))
        reply = call("POST", "/course", body, tokens[i % USERS], headers)
        if not reply.get("success"):
            raise SystemExit(f"course failed: {reply}")
    clock(0)
    mine = call("GET", f"/course/mypage?userId={user_id(tokens[1])}", None, tokens[1])
    course_id = mine["data"]["feed"][0]["courseId"]
    for i in range(20):
        call("POST", f"/comment/course/{course_id}", {"content": f"댓글 {i}"}, tokens[(i + 2) % USERS])
    for i in range(20):
        call("POST", f"/comment/group/{upcoming[0]['groupId']}", {"content": f"댓글 {i}"}, tokens[(i + 2) % USERS])
    print(json.dumps({"token": tokens[1], "userId": user_id(tokens[1]), "groupId": upcoming[0]["groupId"], "courseId": course_id,
                      "runs": len(group_ids), "upcoming": len(upcoming), "applications": applied}))


def user_id(token):
    import base64
    payload = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))["userId"]


if __name__ == "__main__":
    main()
