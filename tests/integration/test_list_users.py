"""test_list_users.py: socket.list with several users' handles interleaved:
each user pages through its own handles only, in id order, whatever the
others hold; root pages through every handle; `after` may be a handle of
another user, one closed since, or none at all; `next` leads from page to
page across closes, and is null on the last page.

Needs root and setpriv: the other users are `nobody` and `daemon`, whose
calls go through harness.calls_as.
"""

import unittest

import harness


_USERS, _WHY = harness.other_users("nobody", "daemon")

CREATE = ["socket.create", {"family": "inet", "type": "dgram", "scope": "daemon"}]


def page(mine, after, limit):
    """What socket.list must answer: at most limit of mine above after,
    and next (the last of them when more follow, else None)."""
    above = [h for h in sorted(mine) if h > after]
    got = above[:limit]
    return got, (got[-1] if len(above) > limit else None)


@unittest.skipUnless(_USERS, _WHY)
class ListUsersTest(harness.DaemonTest):

    def tearDown(self):
        for info in self.c.call("socket.list", {"limit": 1024})["sockets"]:
            self.c.call("socket.close", {"handle": info["handle"]})
        super().tearDown()

    def make(self, user, n):
        """n daemon-scoped handles of user (root: None), in order."""
        if user is None:
            return [self.c.call(*CREATE)["handle"] for _ in range(n)]
        replies = harness.calls_as(user, self.daemon.path, [CREATE] * n)
        return [r["result"]["handle"] for r in replies]

    def list_as(self, user, params):
        """socket.list as user, one reply per params: (handles, next, owners)."""
        replies = harness.calls_as(user, self.daemon.path,
                                   [["socket.list", p] for p in params])
        out = []
        for r in replies:
            self.assertIn("result", r, r)
            socks = r["result"]["sockets"]
            out.append(([s["handle"] for s in socks], r["result"]["next"],
                        {s["owner"] for s in socks}))
        return out

    def interleave(self):
        """Handles of root, nobody and daemon, interleaved: {uid: [handles]}."""
        nobody, other = _USERS
        held = {0: [], nobody.pw_uid: [], other.pw_uid: []}
        for user, n in ((nobody, 3), (None, 2), (other, 2), (nobody, 4), (None, 1),
                        (other, 1), (nobody, 2)):
            held[user.pw_uid if user else 0] += self.make(user, n)
        return held

    def test_each_user_pages_its_own(self):
        nobody, other = _USERS
        held = self.interleave()
        mine = held[nobody.pw_uid]
        theirs = held[0] + held[other.pw_uid]
        cases = [{}, {"limit": 1}, {"limit": 4}, {"after": mine[3], "limit": 4},
                 {"after": mine[-1]}, {"after": mine[-2], "limit": 1},
                 {"after": theirs[0], "limit": 2}, {"after": theirs[-1], "limit": 3},
                 {"after": 2 ** 53, "limit": 1}, {"after": 0, "limit": 1024}]
        got = self.list_as(nobody, cases)
        for params, (handles, nxt, owners) in zip(cases, got):
            with self.subTest(params=params):
                want, want_next = page(mine, params.get("after", 0), params.get("limit", 256))
                self.assertEqual(handles, want)
                self.assertEqual(nxt, want_next)
                self.assertLessEqual(owners, {nobody.pw_uid})
        # The other user sees its own only, likewise.
        (handles, nxt, _), = self.list_as(other, [{}])
        self.assertEqual((handles, nxt), (held[other.pw_uid], None))

    def test_paging_across_closes(self):
        nobody, _ = _USERS
        mine = self.interleave()[nobody.pw_uid]
        first, = self.list_as(nobody, [{"limit": 3}])
        self.assertEqual(first[:2], (mine[:3], mine[2]))
        # Root closes the page's last handle and the next page's first two.
        for h in mine[2:5]:
            self.c.call("socket.close", {"handle": h})
        left = mine[:2] + mine[5:]
        second, third = self.list_as(nobody, [{"after": first[1], "limit": 3},
                                              {"after": mine[7], "limit": 3}])
        self.assertEqual(second[:2], page(left, mine[2], 3))
        self.assertEqual(second[0], mine[5:8])
        self.assertEqual(third[:2], page(left, mine[7], 3))
        self.assertIsNone(third[1])
        # New handles go after the old ones.
        more = self.make(nobody, 2)
        whole, = self.list_as(nobody, [{"limit": 1024}])
        self.assertEqual(whole[:2], (left + more, None))

    def test_root_pages_every_handle(self):
        held = self.interleave()
        every = sorted(h for hs in held.values() for h in hs)
        seen, after = [], 0
        while True:
            r = self.c.call("socket.list", {"after": after, "limit": 4})
            seen += [s["handle"] for s in r["sockets"]]
            if r["next"] is None:
                break
            self.assertEqual(r["next"], r["sockets"][-1]["handle"])
            after = r["next"]
        self.assertEqual(seen, every)
        owners = {s["handle"]: s["owner"]
                  for s in self.c.call("socket.list", {"limit": 1024})["sockets"]}
        self.assertEqual(owners, {h: uid for uid, hs in held.items() for h in hs})
        # After a handle closed since: the next one above it.
        self.c.call("socket.close", {"handle": every[5]})
        r = self.c.call("socket.list", {"after": every[5], "limit": 2})
        self.assertEqual([s["handle"] for s in r["sockets"]], every[6:8])
        self.assertEqual(r["next"], every[7])


if __name__ == "__main__":
    harness.main()
