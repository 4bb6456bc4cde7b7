"""The generative rewrite against a local server that speaks the OpenAI chat-completions API."""

from __future__ import annotations

import json
import logging
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from triage.replies.drafts import DraftRequest, suggest
from triage.replies.generation import GenerationSettings, Rewriter, default_rewriter, generation_settings

POST = "ciao, come attivo la esim sul telefono nuovo?"
GOOD = ("Ciao Luca! Per attivare l'eSIM vai nell'app su SIM > eSIM e inquadra il QR code col Wi-Fi acceso: "
        "https://help.lumora.example/it/esim")


class FakeLLM(BaseHTTPRequestHandler):
    """POST /v1/chat/completions answering with ``server.reply`` (or failing as ``server.mode`` says)."""

    def do_POST(self) -> None:  # noqa: N802 (http.server's name)
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        self.server.requests.append({"path": self.path, "body": body,
                                     "authorization": self.headers.get("Authorization")})
        if self.server.mode == "error":
            self.send_response(500)
            self.end_headers()
            self.wfile.write(b'{"error": {"message": "model crashed"}}')
            return
        if self.server.mode == "slow":
            time.sleep(1.5)
        payload = {"id": "chatcmpl-1", "object": "chat.completion", "model": body["model"],
                   "choices": [{"index": 0, "finish_reason": "stop",
                                "message": {"role": "assistant", "content": self.server.reply}}]}
        data = json.dumps(payload).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args) -> None:
        pass


@pytest.fixture
def llm():
    server = ThreadingHTTPServer(("127.0.0.1", 0), FakeLLM)
    server.requests, server.mode, server.reply = [], "ok", GOOD
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def rewriter(server, timeout=5.0, api_key="sk-test-secret"):
    host, port = server.server_address
    return Rewriter(GenerationSettings(f"http://{host}:{port}", "tiny-llm", api_key, timeout))


def test_a_good_rewrite_comes_first_labelled_generated(llm):
    tone, drafts = suggest(DraftRequest(POST, "x", "Luca", sentiment="neutral", signature="^GB"),
                           rewriter=rewriter(llm))
    assert drafts[0].source == "generated"
    assert drafts[0].text == GOOD + " ^GB"  # the agent's signature is added when the model forgets it
    assert [d.source for d in drafts[1:]] == ["faq", "template", "template"]  # the originals stay one click away
    [request] = llm.requests
    assert request["path"] == "/v1/chat/completions"
    assert request["body"]["model"] == "tiny-llm"
    system, user = request["body"]["messages"]
    assert "Italian" in system["content"] and "'tu'" in system["content"] and "280" in system["content"]
    assert POST in user["content"] and drafts[1].text in user["content"]
    assert request["authorization"] == "Bearer sk-test-secret"


@pytest.mark.parametrize(
    "bad",
    [
        "Buongiorno, La ringrazio: può attivare l'eSIM dall'app. ^GB",  # Lei to a tu post
        "Hi Luca, just open the app and scan the QR code! ^GB",  # English to an Italian post
        "Ciao Luca! Ti rimborseremo entro domani 🙂 ^GB",  # a promise, and emoji the customer did not use
        "Ciao Luca, mi scrivi qui il codice cliente e la data di nascita? ^GB",  # personal data in public
        "Ciao Luca! " + "Vai nell'app e inquadra il QR code. " * 10,  # too long for X
    ],
)
def test_a_rewrite_that_breaks_a_rule_is_discarded(llm, bad, caplog):
    llm.reply = bad
    with caplog.at_level(logging.INFO, logger="triage.replies.generation"):
        _, drafts = suggest(DraftRequest(POST, "x", "Luca", sentiment="neutral", signature="^GB"),
                            rewriter=rewriter(llm))
    assert [d.source for d in drafts] == ["faq", "template", "template"]
    assert "discarded" in caplog.text


def test_a_server_error_falls_back_and_never_logs_the_key(llm, caplog):
    llm.mode = "error"
    with caplog.at_level(logging.INFO, logger="triage.replies.generation"):
        _, drafts = suggest(DraftRequest(POST, "x", "Luca", sentiment="neutral"), rewriter=rewriter(llm))
    assert drafts[0].source == "faq"
    assert "HTTPStatusError" in caplog.text and "sk-test-secret" not in caplog.text


def test_a_timeout_falls_back(llm, caplog):
    llm.mode = "slow"
    with caplog.at_level(logging.WARNING, logger="triage.replies.generation"):
        _, drafts = suggest(DraftRequest(POST, "x", "Luca", sentiment="neutral"), rewriter=rewriter(llm, timeout=0.3))
    assert drafts[0].source == "faq"
    assert "timed out" in caplog.text and "sk-test-secret" not in caplog.text


def test_an_unreachable_endpoint_falls_back(caplog):
    settings = GenerationSettings("http://127.0.0.1:9", "tiny-llm", "", 1.0)
    _, drafts = suggest(DraftRequest(POST, "x", "Luca", sentiment="neutral"), rewriter=Rewriter(settings))
    assert drafts[0].source == "faq"


def test_off_by_default_and_configured_by_environment_or_replies_table(monkeypatch, tmp_path):
    for name in ("TRIAGE_LLM_URL", "TRIAGE_LLM_MODEL", "TRIAGE_LLM_API_KEY", "TRIAGE_LLM_TIMEOUT", "TRIAGE_CONFIG"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)  # no triage.toml here
    assert not generation_settings({}).enabled
    assert default_rewriter() is None
    (tmp_path / "triage.toml").write_text('[replies]\nllm_url = "http://127.0.0.1:8000"\nllm_model = "qwen"\n')
    assert default_rewriter().settings.model == "qwen"
    table = generation_settings({"llm_url": "http://127.0.0.1:11434", "llm_model": "llama3", "llm_timeout": 3})
    assert table.enabled and table.endpoint == "http://127.0.0.1:11434/v1/chat/completions" and table.timeout == 3
    monkeypatch.setenv("TRIAGE_LLM_URL", "https://api.example.com/v1")
    monkeypatch.setenv("TRIAGE_LLM_MODEL", "gpt-x")
    monkeypatch.setenv("TRIAGE_LLM_API_KEY", "sk-secret")
    settings = generation_settings({})
    assert settings.endpoint == "https://api.example.com/v1/chat/completions"
    assert "sk-secret" not in repr(settings)
