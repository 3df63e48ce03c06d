"""Tests for {{ name }}: run with `PYTHONPATH=src python -m unittest discover -s tests -v`."""

import json
import threading
import unittest
import urllib.error
import urllib.request

from {{ name | replace(from="-", to="_") }} import main


class ServiceTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = main.make_server(host="127.0.0.1", port=0)
        cls.base = f"http://127.0.0.1:{cls.server.server_address[1]}"
        cls.thread = threading.Thread(target=cls.server.serve_forever, daemon=True)
        cls.thread.start()

    @classmethod
    def tearDownClass(cls):
        cls.server.shutdown()
        cls.server.server_close()

    def get(self, path):
        with urllib.request.urlopen(self.base + path, timeout=5) as resp:
            return resp.status, resp.headers.get("Content-Type"), json.loads(resp.read())

    def test_healthz_is_200_json(self):
        status, content_type, body = self.get("/healthz")
        self.assertEqual(status, 200)
        self.assertEqual(content_type, "application/json")
        self.assertEqual(body["status"], "ok")
        self.assertEqual(body["service"], "{{ name }}")

    def test_root_lists_endpoints(self):
        status, _, body = self.get("/")
        self.assertEqual(status, 200)
        self.assertIn("/healthz", body["endpoints"])

    def test_unknown_path_is_404_json(self):
        with self.assertRaises(urllib.error.HTTPError) as ctx:
            self.get("/nope")
        self.assertEqual(ctx.exception.code, 404)
        self.assertEqual(json.loads(ctx.exception.read())["error"], "not found")

    def test_default_port_is_the_configured_one(self):
        self.assertEqual(main.DEFAULT_PORT, {{ port }})


if __name__ == "__main__":
    unittest.main()
