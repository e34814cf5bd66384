"""The auditor pack: ``GET /api/v1/systems/{id}/audit-pack/``, its contents, who may have it,
that its download is recorded, and that it verifies offline — with ``manage.py audit_verify
--pack`` and with ``verify_pack.py`` run by an isolated Python that has nothing of Steward or
Django — and that changing any byte of any file in it makes the verifier fail naming that file.
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import cryptography
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.db import connection

from governance.approvals import services as approval_services
from registry.audit.checkpoints import key_id
from registry.audit.models import AuditEvent
from registry.audit.verify import checkpoint_ledger
from registry.evidence import services as evidence_services
from registry.inventory import services
from registry.inventory.choices import Environment, Lifecycle, RiskTier
from tests.audit_support import triggers_lifted
from tests.conftest import make_user
from tests.helpers import check
from tools import verify_pack

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n" + b"validation report: AUC 0.91 on the holdout set\n" * 40 + b"%%EOF\n"
PDF_V2 = b"%PDF-1.4\n" + b"validation report, corrected: AUC 0.90\n" * 40 + b"%%EOF\n"
CSV = b"slice,auc\nall,0.91\nnew customers,0.84\n"
DPIA = b"%PDF-1.4\nDPIA: personal data of card holders\n%%EOF\n"


def _attach(actor, subject_type, subject_id, name, content, **fields):
    return evidence_services.evidence_attach(
        actor=actor,
        subject_type=subject_type,
        subject_id=subject_id,
        title=fields.pop("title", name),
        kind=fields.pop("kind", "validation_report"),
        file=SimpleUploadedFile(name, content),
        **fields,
    )


def _new_system(team, name, **fields):
    return services.system_create(
        actor=None,
        owning_team=team,
        name=name,
        risk_tier=RiskTier.LIMITED,
        lifecycle=Lifecycle.PRODUCTION,
        **fields,
    )


@pytest.fixture
def world(db, system, model, version, datasets, finding, engineer, other_team, compliance_officer):
    """A demo-like system with evidence on itself, its version (two versions of one report), its
    dataset and its finding, a restricted DPIA and a link; another system's events in between,
    a signed checkpoint half-way, and events after it."""
    other = _new_system(other_team, "Support bot", purpose="Answer customer questions.")
    report = _attach(engineer, "model_version", version.pk, "validation.pdf", PDF)
    services.system_update(actor=None, system=other, data={"purpose": "Answer questions."})
    _attach(engineer, "system", system.pk, "slices.csv", CSV, kind="test_results")
    checkpoint_ledger()
    evidence_services.evidence_supersede(
        actor=engineer, item=report, file=SimpleUploadedFile("validation-v2.pdf", PDF_V2)
    )
    dpia = _attach(engineer, "system", system.pk, "dpia.pdf", DPIA, kind="dpia", restricted=True)
    evidence_services.evidence_attach(
        actor=engineer,
        subject_type="dataset",
        subject_id=datasets["features"].pk,
        title="Data sheet",
        kind="other",
        link_url="https://wiki.example.com/features",
    )
    _attach(
        compliance_officer, "finding", finding.pk, "pentest.pdf", PDF, kind="security_assessment"
    )
    approval = approval_services.approval_request(
        actor=engineer,
        model_version=version,
        environment=Environment.PRODUCTION,
        justification="Ready.",
    )
    services.system_update(actor=None, system=other, data={"purpose": "Answer all questions."})
    return {"system": system, "other": other, "dpia": dpia, "approval": approval}


def _download(client, system, status=200):
    response = client.get(f"/api/v1/systems/{system.pk}/audit-pack/")
    if status != 200:
        check(response, status)
        return response
    assert response.status_code == 200, response.content[:500]
    assert response["Content-Type"] == "application/zip"
    assert response["Content-Disposition"].startswith("attachment; filename=")
    return b"".join(response.streaming_content)


@pytest.fixture
def pack(world, api, auditor) -> bytes:
    return _download(api(auditor), world["system"])


def _members(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        return {name: zf.read(name) for name in zf.namelist()}


def _rezip(members: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, content in members.items():
            zf.writestr(name, content)
    return out.getvalue()


def _verify(data: bytes, **kwargs) -> verify_pack.Result:
    return verify_pack.verify_pack(io.BytesIO(data), **kwargs)


def _flip(content: bytes, at: int | None = None) -> bytes:
    at = len(content) // 2 if at is None else at
    return content[:at] + bytes([content[at] ^ 0x01]) + content[at + 1 :]


# --- What the pack holds ----------------------------------------------------------------------


def test_an_auditors_pack_verifies(pack, world):
    result = _verify(pack)
    assert result.ok, result.summary()
    summary = result.summary()
    assert summary.startswith(f"OK: {result.events} events, {result.files} files, checkpoint #")
    system = world["system"]
    ids = {
        "registry.aisystem": {str(system.pk)},
    }
    events = [json.loads(line) for line in _members(pack)["events.jsonl"].decode().splitlines()]
    assert result.events == len(events)
    kinds = {json.loads(e["canonical"])["object_type"] for e in events}
    assert {
        "registry.aisystem",
        "registry.aimodel",
        "registry.modelversion",
        "registry.dataset",
        "registry.evidenceitem",
        "governance.approvalrequest",
        "governance.riskfinding",
    } <= kinds
    assert ids["registry.aisystem"] <= {
        json.loads(e["canonical"])["object_id"]
        for e in events
        if json.loads(e["canonical"])["object_type"] == "registry.aisystem"
    }
    # Every evidence file (five, the DPIA too: auditors read restricted evidence) and the link.
    assert result.evidence_files == 5
    assert (result.links, result.withheld) == (1, 0)
    assert result.checkpoints == 1 and result.checkpointed_through is not None


def test_the_pack_holds_the_files_the_manifest_lists_with_their_digests(pack, world):
    members = _members(pack)
    manifest = json.loads(members["manifest.json"])
    listed = {f["path"]: f for f in manifest["files"]}
    assert set(members) == set(listed) | {"manifest.json", "seal.json"}
    for path, entry in listed.items():
        assert hashlib.sha256(members[path]).hexdigest() == entry["sha256"], path
        assert len(members[path]) == entry["size"], path
    assert members["verify_pack.py"] == Path(verify_pack.__file__).read_bytes()
    assert b"python3 verify_pack.py" in members["README.txt"]
    evidence = {p: e for p, e in listed.items() if e["role"] == "evidence"}
    assert sorted(members[p] for p in evidence) == sorted([PDF, PDF_V2, CSV, DPIA, PDF])
    for path, entry in evidence.items():
        assert path == f"evidence/{entry['evidence_id']}-{entry['file_name']}"
        event = AuditEvent.objects.get(sequence=entry["recorded_in"])
        assert event.changes["sha256"] == entry["sha256"]
    assert {e["version"] for e in evidence.values() if e["title"] == "validation.pdf"} == {1, 2}
    assert manifest["system"]["slug"] == world["system"].slug
    head = AuditEvent.objects.filter(sequence__lte=manifest["ledger"]["head_sequence"]).last()
    assert manifest["ledger"]["head_hash"] == head.hash
    assert [f["path"] for f in manifest["files"] if f["role"] == "key"] == [
        f"keys/{manifest['seal_key_id']}.pem"
    ]


def test_other_systems_events_are_in_the_chain_by_their_hashes_only(pack, world):
    members = _members(pack)
    other_events = AuditEvent.objects.filter(
        object_type="registry.aisystem", object_id=str(world["other"].pk)
    )
    chain = [json.loads(line) for line in members["chain.jsonl"].decode().splitlines()]
    in_chain = {c["sequence"] for c in chain}
    assert set(other_events.values_list("sequence", flat=True)) & in_chain
    assert all(set(c) == {"sequence", "prev_hash", "hash"} for c in chain)
    for name, content in members.items():
        assert b"Support bot" not in content, name
        assert b"Answer questions" not in content, name


def test_the_download_is_recorded_with_the_manifests_digest(world, api, auditor, audit_log):
    response = api(auditor).get(f"/api/v1/systems/{world['system'].pk}/audit-pack/")
    data = b"".join(response.streaming_content)
    digest = hashlib.sha256(_members(data)["manifest.json"]).hexdigest()
    event = audit_log.assert_one(
        "registry.pack.downloaded",
        object_type="registry.aisystem",
        object_id=str(world["system"].pk),
        actor=auditor,
    )
    assert event.changes["manifest_sha256"] == digest == response["X-Steward-Manifest-SHA256"]
    assert world["dpia"].pk in event.changes["restricted_evidence"]
    assert len(event.changes["evidence"]) == 5
    assert event.source == "api"


def test_a_pack_made_after_a_download_shows_that_download(world, api, auditor):
    client = api(auditor)
    first = _download(client, world["system"])
    second = _download(client, world["system"])
    digest = hashlib.sha256(_members(first)["manifest.json"]).hexdigest()
    events = [
        json.loads(line)["canonical"] for line in _members(second)["events.jsonl"].splitlines()
    ]
    assert any(digest in e and "registry.pack.downloaded" in e for e in events)
    assert _verify(second).ok


def test_the_verifier_checks_against_a_key_it_is_given(pack, tmp_path):
    manifest = json.loads(_members(pack)["manifest.json"])
    [key_file] = [f for f in manifest["files"] if f["role"] == "key"]
    pem = _members(pack)[key_file["path"]]
    assert _verify(pack, trusted_keys=[pem]).ok
    result = _verify(pack, trusted_keys=[pem])
    assert "taken from the pack" not in result.summary()
    stranger = Ed25519PrivateKey.generate().public_key()
    result = _verify(pack, trusted_keys=[verify_pack.public_key_pem(stranger)])
    assert not result.ok
    assert "seal.json: is signed by key" in result.summary()
    assert "not one of the keys given with --key" in result.summary()


# --- Who may have it --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "who", ["auditor", "compliance_officer", "executive", "engineer", "teammate", "admin_user"]
)
def test_auditors_compliance_executives_and_owners_download_it(world, api, who, request):
    user = request.getfixturevalue(who)
    assert _verify(_download(api(user), world["system"])).ok


@pytest.mark.parametrize("who", ["other_engineer", "legal_reviewer", "security_reviewer"])
def test_others_get_403_and_nothing_is_recorded(world, api, who, request, audit_log):
    user = request.getfixturevalue(who)
    response = _download(api(user), world["system"], status=403)
    assert "auditor pack" in response.json()["errors"][0]["detail"]
    audit_log.assert_none()


def test_anonymous_and_unknown_systems(world, api, auditor):
    check(api().get(f"/api/v1/systems/{world['system'].pk}/audit-pack/"), 401)
    check(api(auditor).get("/api/v1/systems/999999/audit-pack/"), 404)


def test_restricted_evidence_is_withheld_from_whom_may_not_read_it(world, api):
    board = make_user("bea", "executive")  # an executive, not the system's accountable one
    data = _download(api(board), world["system"])
    result = _verify(data)
    assert result.ok, result.summary()
    manifest = json.loads(_members(data)["manifest.json"])
    assert [w["evidence_id"] for w in manifest["withheld"]] == [world["dpia"].pk]
    assert manifest["withheld"][0]["sha256"] == world["dpia"].sha256
    assert not any(n.startswith(f"evidence/{world['dpia'].pk}-") for n in _members(data))
    assert result.evidence_files == 4 and result.withheld == 1


def test_the_system_page_links_to_the_pack_for_those_allowed(
    world, client, auditor, other_engineer
):
    page = f"/systems/{world['system'].slug}/"
    link = f"/systems/{world['system'].pk}/audit-pack/"
    client.force_login(auditor)
    assert link in client.get(page).content.decode()
    client.force_login(other_engineer)
    assert link not in client.get(page).content.decode()
    assert client.get(link).status_code == 403


def test_the_page_download_is_a_verifying_pack_recorded_as_ui(world, client, auditor, audit_log):
    client.force_login(auditor)
    response = client.get(f"/systems/{world['system'].pk}/audit-pack/")
    assert response.status_code == 200
    assert _verify(b"".join(response.streaming_content)).ok
    assert audit_log.assert_one("registry.pack.downloaded").source == "ui"


# --- A ledger that does not verify is not sealed ----------------------------------------------


def _rewrite_an_event_of(system, *, last: bool, old: str, new: str) -> AuditEvent:
    """Edit the canonical bytes of the system's first (or last) event, as a database superuser
    could."""
    events = AuditEvent.objects.filter(object_type="registry.aisystem", object_id=str(system.pk))
    event = events.last() if last else events.first()
    with triggers_lifted(), connection.cursor() as cursor:
        cursor.execute(
            "UPDATE registry_auditevent SET canonical = REPLACE(canonical, %s, %s) WHERE id = %s",
            [old, new, event.pk],
        )
    return event


def test_a_rewritten_event_refuses_the_pack_with_409_and_records_nothing(world, api, auditor):
    event = _rewrite_an_event_of(world["system"], last=False, old="Fraud", new="Fraus")
    before = AuditEvent.objects.count()
    response = api(auditor).get(f"/api/v1/systems/{world['system'].pk}/audit-pack/")
    body = check(response, 409)
    assert "does not verify" in body["errors"][0]["detail"]
    assert f"event {event.sequence}" in body["errors"][0]["detail"]
    assert AuditEvent.objects.count() == before


def test_a_rewritten_event_of_another_system_in_the_segment_refuses_the_pack(world, api, auditor):
    """The seal vouches for the hashes of other systems' events in the chain segment, so the
    builder checks their content too."""
    event = _rewrite_an_event_of(world["other"], last=True, old="all", new="any")
    body = check(api(auditor).get(f"/api/v1/systems/{world['system'].pk}/audit-pack/"), 409)
    assert (
        f"event {event.sequence}'s hash does not match its content" in (body["errors"][0]["detail"])
    )


def test_a_forged_checkpoint_refuses_the_pack(world, api, auditor, settings):
    [path] = Path(settings.STEWARD_AUDIT_CHECKPOINT_DIR).glob("checkpoint-*.json")
    data = json.loads(path.read_text())
    data["hash"] = "f" * 64
    path.write_text(json.dumps(data))
    body = check(api(auditor).get(f"/api/v1/systems/{world['system'].pk}/audit-pack/"), 409)
    assert "signature that does not verify" in body["errors"][0]["detail"]


def test_an_evidence_file_changed_in_storage_goes_out_as_it_is_and_fails_verification(
    world, api, auditor, evidence_dir
):
    """Someone edits a stored file: the pack still carries it, under the digest the ledger
    recorded, and the verifier names it."""
    item = world["dpia"]
    stored = evidence_dir / item.storage_key
    stored.write_bytes(stored.read_bytes().replace(b"card holders", b"card holder"))
    result = _verify(_download(api(auditor), world["system"]))
    assert f"evidence/{item.pk}-dpia.pdf: sha256 " in result.summary()
    assert f"does not match the digest {item.sha256} recorded in event #" in result.summary()


def test_a_chain_segment_starts_at_the_checkpoint_before_the_systems_first_event(
    world, api, auditor, team, engineer
):
    checkpoint, _ = checkpoint_ledger()
    newer = _new_system(team, "Churn", purpose="Predict churn.", technical_owner=engineer)
    _attach(engineer, "system", newer.pk, "churn.csv", CSV, kind="test_results")
    data = _download(api(auditor), newer)
    manifest = json.loads(_members(data)["manifest.json"])
    assert manifest["ledger"]["chain_start"] == checkpoint.sequence
    assert manifest["ledger"]["first_event"] == checkpoint.sequence + 1
    result = _verify(data)
    assert result.ok, result.summary()
    assert (result.chain_start, result.checkpoints) == (checkpoint.sequence, 1)
    assert result.events == 2 and result.evidence_files == 1


def test_a_ledger_that_changes_while_the_pack_streams_stops_the_stream(
    world, api, auditor, monkeypatch
):
    from registry.pack import builder, ledger

    original = ledger.chain_lines

    def shifted(**bounds):
        for block in original(**bounds):
            yield block.replace(b'"sequence":', b'"sequence": ', 1)

    monkeypatch.setattr(builder.ledger, "chain_lines", shifted)
    response = api(auditor).get(f"/api/v1/systems/{world['system'].pk}/audit-pack/")
    with pytest.raises(builder.PackChangedError, match=r"chain\.jsonl"):
        b"".join(response.streaming_content)


# --- The verifiers: the command, and the script on its own ------------------------------------


def test_audit_verify_pack_command(pack, tmp_path):
    path = tmp_path / "pack.zip"
    path.write_bytes(pack)
    out = io.StringIO()
    call_command("audit_verify", "--pack", str(path), stdout=out)
    assert out.getvalue().startswith("OK: ")
    members = _members(pack)
    members["events.jsonl"] = _flip(members["events.jsonl"])
    path.write_bytes(_rezip(members))
    with pytest.raises(CommandError, match=r"events\.jsonl"):
        call_command("audit_verify", "--pack", str(path))
    other = tmp_path / "other.pem"
    other.write_bytes(verify_pack.public_key_pem(Ed25519PrivateKey.generate().public_key()))
    path.write_bytes(pack)
    with pytest.raises(CommandError, match="not one of the keys given with --key"):
        call_command("audit_verify", "--pack", str(path), "--public-key", str(other))


def _isolated_python(tmp_path: Path) -> tuple[list[str], str]:
    """A Python that sees the standard library and cryptography (with what it needs: cffi),
    and nothing else: ``-I -S`` (no site-packages, no environment, no user site), with only a
    folder of links to those packages on its path."""
    site = Path(cryptography.__file__).resolve().parent.parent
    only = tmp_path / "only-cryptography"
    only.mkdir()
    for name in os.listdir(site):
        if name.split(".")[0].split("-")[0] in {
            "cryptography",
            "cffi",
            "_cffi_backend",
            "pycparser",
        }:
            (only / name).symlink_to(site / name)
    boot = (
        "import sys; sys.path.insert(0, sys.argv.pop(1)); import runpy; "
        "sys.argv = sys.argv[1:]; runpy.run_path(sys.argv[0], run_name='__main__')"
    )
    return [sys.executable, "-I", "-S", "-c", boot, str(only)], str(only)


def test_the_script_runs_with_only_the_standard_library_and_cryptography(pack, tmp_path):
    members = _members(pack)
    elsewhere = tmp_path / "auditor"
    elsewhere.mkdir()
    script = elsewhere / "verify_pack.py"
    script.write_bytes(members["verify_pack.py"])  # the copy shipped in the pack
    (elsewhere / "pack.zip").write_bytes(pack)
    python, only = _isolated_python(tmp_path)
    # The isolated Python finds cryptography and cannot even find Django (nor Steward).
    for module, found in [("cryptography.hazmat", 0), ("django", 1), ("registry", 1)]:
        probe = subprocess.run(
            [
                sys.executable,
                "-I",
                "-S",
                "-c",
                f"import sys; sys.path.insert(0, {only!r}); import {module}",
            ],
            capture_output=True,
            cwd=elsewhere,
        )
        assert probe.returncode == found, (module, probe.stderr)
    run = subprocess.run(
        [*python, str(script), "pack.zip"], capture_output=True, text=True, cwd=elsewhere
    )
    assert run.returncode == 0, run.stderr
    assert run.stdout.startswith("OK: ")
    members["seal.json"] = _flip(
        members["seal.json"], at=members["seal.json"].index(b"signature") + 20
    )
    (elsewhere / "bad.zip").write_bytes(_rezip(members))
    run = subprocess.run(
        [*python, str(script), "bad.zip"], capture_output=True, text=True, cwd=elsewhere
    )
    assert run.returncode == 1
    assert "seal.json: signature does not verify" in run.stderr


def test_the_script_imports_nothing_of_steward_or_django():
    source = Path(verify_pack.__file__).read_text()
    imported = {
        line.split()[1].split(".")[0]
        for line in source.splitlines()
        if line.startswith(("import ", "from "))
    }
    assert imported <= {
        "__future__",
        "argparse",
        "base64",
        "binascii",
        "hashlib",
        "json",
        "re",
        "sys",
        "zipfile",
        "collections",
        "dataclasses",
        "pathlib",
        "typing",
        "cryptography",
    }


# --- Tampering: one byte of any file, and files added, removed, re-signed ---------------------


def _paths_by_role(pack: bytes) -> dict[str, str]:
    manifest = json.loads(_members(pack)["manifest.json"])
    paths: dict[str, str] = {}
    for entry in manifest["files"]:
        paths.setdefault(entry["role"], entry["path"])
    paths["manifest"] = "manifest.json"
    paths["seal"] = "seal.json"
    return paths


@pytest.mark.parametrize(
    "role",
    ["evidence", "events", "chain", "checkpoint", "key", "manifest", "seal", "readme", "verifier"],
)
@pytest.mark.parametrize("where", ["start", "middle", "end"])
def test_one_flipped_byte_in_any_file_fails_naming_it(pack, role, where):
    members = _members(pack)
    path = _paths_by_role(pack)[role]
    content = members[path]
    at = {"start": 0, "middle": len(content) // 2, "end": len(content) - 1}[where]
    members[path] = _flip(content, at)
    result = _verify(_rezip(members))
    assert not result.ok
    assert result.problems, result.summary()
    assert any(p.item.startswith(path) for p in result.problems), result.summary()
    assert result.summary().splitlines()[-1].startswith("FAILED: ")


def test_an_evidence_file_that_differs_names_the_event_that_recorded_its_digest(pack):
    members = _members(pack)
    manifest = json.loads(members["manifest.json"])
    entry = next(f for f in manifest["files"] if f["role"] == "evidence")
    members[entry["path"]] = members[entry["path"]].replace(b"AUC", b"AUX", 1)
    result = _verify(_rezip(members))
    actual = hashlib.sha256(members[entry["path"]]).hexdigest()
    assert (
        f"{entry['path']}: sha256 {actual} does not match the digest {entry['sha256']} "
        f"recorded in event #{entry['recorded_in']}"
    ) in result.summary()


def test_an_event_that_was_changed_names_its_line_and_sequence(pack):
    members = _members(pack)
    lines = members["events.jsonl"].splitlines(keepends=True)
    event = json.loads(lines[2])
    event["canonical"] = event["canonical"].replace('"source":', '"source": ', 1)
    lines[2] = verify_pack.canonical_json(event) + b"\n"
    members["events.jsonl"] = b"".join(lines)
    result = _verify(_rezip(members))
    assert f"events.jsonl line 3 (sequence {event['sequence']}): hash does not chain" in (
        result.summary()
    )


def test_a_corrupted_zip_member_is_named(pack):
    """A flipped byte in the zip itself (a stored evidence file's data): the CRC fails."""
    with zipfile.ZipFile(io.BytesIO(pack)) as zf:
        info = next(i for i in zf.infolist() if i.filename.endswith(".pdf"))
        assert info.compress_type == zipfile.ZIP_STORED
    start = pack.index(PDF[:40], info.header_offset)
    tampered = _flip(pack, start + 20)
    result = _verify(tampered)
    assert any(p.item == info.filename for p in result.problems), result.summary()


def test_an_extra_file_fails(pack):
    members = _members(pack)
    members["evidence/99-extra.pdf"] = PDF
    result = _verify(_rezip(members))
    assert (
        "evidence/99-extra.pdf: is in the pack but not listed in the manifest" in result.summary()
    )


@pytest.mark.parametrize("role", ["evidence", "events", "checkpoint", "key", "manifest", "seal"])
def test_a_missing_file_fails_naming_it(pack, role):
    members = _members(pack)
    path = _paths_by_role(pack)[role]
    del members[path]
    result = _verify(_rezip(members))
    assert not result.ok
    assert any(p.item == path and "missing" in p.message for p in result.problems), result.summary()


def test_a_seal_signed_by_another_key_fails(pack):
    members = _members(pack)
    seal = json.loads(members["seal.json"])
    forger = Ed25519PrivateKey.generate()
    fields = {k: v for k, v in seal.items() if k != "signature"}
    # Signed by another key but claiming the real key's id: the signature does not verify.
    seal["signature"] = base64.b64encode(forger.sign(verify_pack.canonical_json(fields))).decode()
    members["seal.json"] = json.dumps(seal).encode()
    assert "seal.json: signature does not verify" in _verify(_rezip(members)).summary()
    # Naming its own key, which the pack does not hold: not a key it can be checked with.
    fields["key_id"] = key_id(forger.public_key())
    seal = {
        **fields,
        "signature": base64.b64encode(forger.sign(verify_pack.canonical_json(fields))).decode(),
    }
    members["seal.json"] = json.dumps(seal).encode()
    result = _verify(_rezip(members))
    assert f"seal.json: is signed by key '{fields['key_id']}'" in result.summary()


def test_a_checkpoint_signed_by_another_key_fails(pack):
    members = _members(pack)
    path = _paths_by_role(pack)["checkpoint"]
    checkpoint = json.loads(members[path])
    forger = Ed25519PrivateKey.generate()
    fields = {k: v for k, v in checkpoint.items() if k != "signature"}
    checkpoint["signature"] = base64.b64encode(
        forger.sign(verify_pack.canonical_json(fields))
    ).decode()
    members[path] = json.dumps(checkpoint).encode()
    assert f"{path}: signature does not verify" in _verify(_rezip(members)).summary()


def test_a_pack_forged_whole_with_another_key_shows_that_key_and_fails_with_the_real_one(pack):
    """Someone rewrites an event, recomputes the chain, re-signs everything with a key of their
    own and puts it in keys/: the pack is self-consistent, so the verifier can only show whose
    key it is — and the real key, given with --key, refuses it."""
    members = _members(pack)
    real_manifest = json.loads(members["manifest.json"])
    [real_key] = [f["path"] for f in real_manifest["files"] if f["role"] == "key"]
    forger = Ed25519PrivateKey.generate()
    forged_id = key_id(forger.public_key())
    del members[real_key]
    members[f"keys/{forged_id}.pem"] = verify_pack.public_key_pem(forger.public_key())
    for path in [f["path"] for f in real_manifest["files"] if f["role"] == "checkpoint"]:
        checkpoint = json.loads(members[path])
        fields = {k: v for k, v in checkpoint.items() if k != "signature"}
        fields["key_id"] = forged_id
        sig = base64.b64encode(forger.sign(verify_pack.canonical_json(fields))).decode()
        members[path] = json.dumps({**fields, "signature": sig}).encode()
    manifest = dict(real_manifest)
    manifest["files"] = []
    for entry in real_manifest["files"]:
        path = f"keys/{forged_id}.pem" if entry["path"] == real_key else entry["path"]
        content = members[path]
        manifest["files"].append(
            {
                **entry,
                "path": path,
                "sha256": hashlib.sha256(content).hexdigest(),
                "size": len(content),
            }
        )
    members["manifest.json"] = json.dumps(manifest).encode()
    seal = json.loads(members["seal.json"])
    fields = {k: v for k, v in seal.items() if k != "signature"}
    fields.update(
        key_id=forged_id, manifest_sha256=hashlib.sha256(members["manifest.json"]).hexdigest()
    )
    sig = base64.b64encode(forger.sign(verify_pack.canonical_json(fields))).decode()
    members["seal.json"] = json.dumps({**fields, "signature": sig}).encode()
    forged = _rezip(members)
    result = _verify(forged)
    assert result.ok, result.summary()
    assert f"signed by key {forged_id}" in result.summary()
    assert "taken from the pack itself" in result.summary()
    real = _members(pack)[real_key]
    refused = _verify(forged, trusted_keys=[real])
    assert not refused.ok
    assert "not one of the keys given with --key" in refused.summary()


# --- Bad input to the verifier ----------------------------------------------------------------


def test_not_a_zip(tmp_path):
    path = tmp_path / "pack.zip"
    path.write_bytes(b"PK\x03\x04 this is not really a zip")
    result = verify_pack.verify_pack(path)
    assert not result.ok
    assert result.problems[0].item == "pack.zip"
    assert "not a readable zip" in result.problems[0].message


def test_a_zip_with_unsafe_or_duplicate_names(pack):
    members = _members(pack)
    members["../../etc/passwd"] = b"root"
    data = _rezip(members)
    buffer = io.BytesIO(data)
    with zipfile.ZipFile(buffer, "a") as zf, pytest.warns(UserWarning, match="Duplicate name"):
        zf.writestr("events.jsonl", b"{}\n")
    result = _verify(buffer.getvalue())
    summary = result.summary()
    assert "../../etc/passwd: has a name that leaves its folder" in summary
    assert "events.jsonl: appears twice in the zip" in summary


def test_a_manifest_that_is_not_json(pack):
    members = _members(pack)
    members["manifest.json"] = b"\xff\xfe not json"
    result = _verify(_rezip(members))
    assert str(result.problems[0]).startswith("manifest.json: cannot be read")


def test_a_line_too_long_is_refused_without_reading_it_whole(pack, monkeypatch):
    monkeypatch.setattr(verify_pack, "MAX_LINE_BYTES", 100)
    result = _verify(pack)
    assert "events.jsonl line 1: is longer than 100 bytes" in result.summary()


# --- Cost -------------------------------------------------------------------------------------


def test_the_download_takes_a_bounded_number_of_queries(
    world, api, auditor, engineer, django_assert_max_num_queries
):
    client = api(auditor)
    with django_assert_max_num_queries(40):
        data = _download(client, world["system"])
    for i in range(5):
        _attach(engineer, "system", world["system"].pk, f"more-{i}.csv", CSV)
    with django_assert_max_num_queries(40):
        more = _download(client, world["system"])
    assert _verify(more).evidence_files == _verify(data).evidence_files + 5
