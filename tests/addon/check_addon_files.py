#!/usr/bin/python3
"""Static checks of the Home Assistant add-on files, the way the Supervisor reads them.

A manifest the Supervisor rejects makes the add-on vanish from the store without an
error anyone sees, and an option it rejects stops the add-on from starting; both are
caught here instead:
  1. config.yaml against tests/addon/config.schema.json (JSON Schema draft 7);
  2. the official Mosquitto add-on's options (its defaults, then a fuller example)
     against config.yaml's `schema`, with the Supervisor's type grammar;
  3. translations/en.yaml names exactly the schema keys and the ports;
  4. rootfs/: s6 scripts executable, every s6-rc service typed and in the user bundle.

Run with Debian's interpreter (python3-yaml, python3-jsonschema):
    /usr/bin/python3 tests/addon/check_addon_files.py [ROOT]
ROOT defaults to the repository; exits 1 after listing every failure.
"""

import json
import os
import re
import stat
import subprocess
import sys

import jsonschema
import yaml

HERE = os.path.dirname(os.path.abspath(__file__))
PORTS = {
    "1883/tcp": "Normal MQTT",
    "1884/tcp": "MQTT over WebSocket",
    "8883/tcp": "Normal MQTT with SSL",
    "8884/tcp": "MQTT over WebSocket with SSL",
}
# What a user of the official add-on may have set: every option it knows.
OFFICIAL_FULL_EXAMPLE = {
    "logins": [
        {"username": "tasmota", "password": "secret"},
        {
            "username": "esp",
            "password": "PBKDF2$sha512$100000$Hs2iPh355kc8hZjtwLRLOA==$JSuwnFfNjlKfCNO4Q38ovPerfB+iqkYkumShkQ2XKEED"
            "XwP7yBldGnkhOrb9FP/EQuR1bcdJEDMxD5VipXEGzQ==",
            "password_pre_hashed": True,
        },
    ],
    "log_dest": ["stdout"],
    "log_type": ["all"],
    "require_certificate": True,
    "certfile": "fullchain.pem",
    "cafile": "ca.pem",
    "keyfile": "privkey.pem",
    "customize": {"active": True, "folder": "mosquitto"},
    "debug": True,
}
# What s6 executes. A oneshot's `up` and `down` are not among them: s6-rc-compile
# reads them as the text of an execline command line (here, a script's path),
# and the scripts they name are checked under rootfs/etc/s6-overlay/scripts/.
S6_EXECUTABLE_NAMES = {"run", "finish"}
S6_TYPES = {"oneshot", "longrun", "bundle"}
S6_BUILTIN_SERVICES = {"base", "user", "user2", "legacy-cont-init", "legacy-services"}

failures = []


def fail(message):
    failures.append(message)
    print(f"FAIL: {message}")


# --- The Supervisor's option types -------------------------------------------


class OptionType:
    """One parsed type string such as `int(100,1000000)?` or `list(a|b)`."""

    NAMES = {"str", "password", "bool", "int", "float", "email", "url", "port", "match", "list", "device"}

    def __init__(self, text):
        self.text = text
        self.optional = text.endswith("?")
        body = text[:-1] if self.optional else text
        m = re.fullmatch(r"([a-z]+)(?:\((.*)\))?", body)
        if not m or m.group(1) not in self.NAMES:
            raise ValueError(f"unknown type {text!r}")
        self.name, self.arg = m.group(1), m.group(2)
        self.low = self.high = None
        if self.name in ("str", "password", "int", "float") and self.arg is not None:
            self.low, self.high = self._range(self.arg)
        elif self.name in ("match", "list") and not self.arg:
            raise ValueError(f"{self.name} needs an argument in {text!r}")
        elif self.name in ("bool", "email", "url", "port") and self.arg is not None:
            raise ValueError(f"{self.name} takes no argument in {text!r}")

    def _range(self, arg):
        number = r"-?\d*\.?\d+" if self.name == "float" else (r"-?\d+" if self.name == "int" else r"\d+")
        m = re.fullmatch(f"({number})?,({number})?", arg)
        if not m:
            raise ValueError(f"bad range in {self.text!r}")
        return [float(v) if v else None for v in m.groups()]

    def check(self, value):
        """The problem with `value`, or None when the Supervisor would accept it."""
        if value is None:
            return "is null (the Supervisor treats that as missing)"
        if self.name in ("str", "password", "email", "url", "match", "list", "device"):
            if not isinstance(value, str):
                return f"must be a string, not {value!r}"
            return self._check_string(value)
        if self.name == "bool":
            return None if isinstance(value, bool) else f"must be true or false, not {value!r}"
        is_number = isinstance(value, (int, float)) and not isinstance(value, bool)
        if self.name in ("int", "port") and not (is_number and value == int(value)):
            return f"must be an integer, not {value!r}"
        if self.name == "float" and not is_number:
            return f"must be a number, not {value!r}"
        low, high = (1, 65535) if self.name == "port" else (self.low, self.high)
        return self._check_bounds(value, low, high)

    def _check_string(self, value):
        if self.name == "list":
            allowed = self.arg.split("|")
            return None if value in allowed else f"{value!r} is not one of {allowed}"
        if self.name == "match":
            return None if re.match(self.arg, value) else f"{value!r} does not match {self.arg!r}"
        if self.name == "email" and not re.fullmatch(r"[^@\s]+@[^@\s]+", value):
            return f"{value!r} is not an e-mail address"
        if self.name == "url" and not re.match(r"[a-z][a-z0-9+.-]*://\S+$", value):
            return f"{value!r} is not a URL"
        return self._check_bounds(len(value), self.low, self.high, "length ")

    @staticmethod
    def _check_bounds(value, low, high, what=""):
        if low is not None and value < low:
            return f"{what}{value} is below {low:g}"
        if high is not None and value > high:
            return f"{what}{value} is above {high:g}"
        return None


def is_optional(entry):
    """A missing key is fine only for a `?` type (a list decides by its element)."""
    if isinstance(entry, list) and entry:
        entry = entry[0]
    return isinstance(entry, str) and entry.endswith("?")


def validate_options(schema, options, where):
    """Problems of `options` against a `schema` dict; unknown keys are errors here."""
    problems = []
    for key, value in options.items():
        if key not in schema:
            problems.append(f"{where}.{key}: not in the schema")
        else:
            problems += validate_value(schema[key], value, f"{where}.{key}")
    for key in schema.keys() - options.keys():
        if not is_optional(schema[key]):
            problems.append(f"{where}.{key}: required and missing")
    return problems


def validate_value(entry, value, where):
    if isinstance(entry, dict):
        if not isinstance(value, dict):
            return [f"{where}: must be a dict, not {value!r}"]
        return validate_options(entry, value, where)
    if isinstance(entry, list):
        if not isinstance(value, list):
            return [f"{where}: must be a list, not {value!r}"]
        return [p for i, item in enumerate(value) for p in validate_value(entry[0], item, f"{where}[{i}]")]
    try:
        problem = OptionType(entry).check(value)
    except ValueError as e:
        return [f"{where}: {e}"]
    return [f"{where}: {problem}"] if problem else []


def user_options_problems(config, user_options):
    """As the Supervisor does: the manifest's defaults, overridden key by key, then validated."""
    merged = {**(config.get("options") or {}), **user_options}
    return validate_options(config.get("schema") or {}, merged, "options")


def self_test():
    """The validator must reject what the Supervisor rejects, or every check above is hollow."""
    schema = {"a": "int(1,5)", "b": ["list(x|y)?"], "c": {"d": "bool"}, "e": "str?", "f": [{"g": "password"}]}
    good = {"a": 3, "b": ["x"], "c": {"d": False}, "f": [{"g": "pw"}]}
    bad = [
        {**good, "a": 9},
        {**good, "a": "3"},
        {**good, "b": ["z"]},
        {**good, "c": {"d": "yes"}},
        {**good, "c": {}},
        {**good, "f": [{}]},
        {**good, "e": None},
        {**good, "zz": 1},
        {k: v for k, v in good.items() if k != "a"},
    ]
    if validate_options(schema, good, "t"):
        fail(f"self-test: the option validator rejects a valid input: {validate_options(schema, good, 't')}")
    for options in bad:
        if not validate_options(schema, options, "t"):
            fail(f"self-test: the option validator accepts an invalid input: {options}")
    for text in ("int(1,2", "strr", "list()", "bool(1,2)", "int(a,b)"):
        try:
            OptionType(text)
            fail(f"self-test: the type parser accepts {text!r}")
        except ValueError:
            pass


# --- The checks -------------------------------------------------------------


def load_yaml(path):
    try:
        with open(path, encoding="utf-8") as f:
            return yaml.safe_load(f)
    except (OSError, yaml.YAMLError) as e:
        fail(f"{path}: cannot read: {e}")
        return None


def check_manifest(root):
    config = load_yaml(os.path.join(root, "config.yaml"))
    if not isinstance(config, dict):
        fail("config.yaml: not a mapping")
        return None
    with open(os.path.join(HERE, "config.schema.json"), encoding="utf-8") as f:
        manifest_schema = json.load(f)
    jsonschema.Draft7Validator.check_schema(manifest_schema)
    for error in sorted(jsonschema.Draft7Validator(manifest_schema).iter_errors(config), key=str):
        where = "/".join(str(p) for p in error.absolute_path) or "(top)"
        fail(f"config.yaml: {where}: {error.message}")
    return config


def check_options(config):
    schema, defaults = config.get("schema") or {}, config.get("options") or {}
    for key in defaults.keys() - schema.keys():
        fail(f"config.yaml: option {key!r} has a default but is not in the schema")
    for problem in validate_options(schema, defaults, "options"):
        fail(f"config.yaml: its own defaults are invalid: {problem}")
    with open(os.path.join(HERE, "official-options.json"), encoding="utf-8") as f:
        official = json.load(f)
    if defaults != official:
        fail(f"config.yaml: options differ from the official defaults {official}: {defaults}")
    for name, options in (("official defaults", official), ("official full example", OFFICIAL_FULL_EXAMPLE)):
        for problem in user_options_problems(config, options):
            fail(f"{name} rejected by config.yaml's schema: {problem}")


def check_translations(root, config):
    path = os.path.join(root, "translations", "en.yaml")
    data = load_yaml(path)
    if not isinstance(data, dict):
        fail(f"{path}: not a mapping")
        return
    labels = data.get("configuration") or {}
    schema = config.get("schema") or {}
    for key in sorted(schema.keys() - labels.keys()):
        fail(f"translations/en.yaml: configuration has no entry for schema key {key!r}")
    for key in sorted(labels.keys() - schema.keys()):
        fail(f"translations/en.yaml: configuration.{key} is not a schema key")
    for key, label in labels.items():
        if not isinstance(label, dict) or not label.get("name") or not isinstance(label.get("description"), str):
            fail(f"translations/en.yaml: configuration.{key} needs a name and a description")
    network = data.get("network") or {}
    if network != PORTS:
        fail(f"translations/en.yaml: network must be exactly {PORTS}, is {network}")
    if set(config.get("ports") or {}) != set(PORTS):
        fail(f"config.yaml: ports must be exactly {sorted(PORTS)}")


# --- rootfs/ (s6-overlay v3) ----------------------------------------------------


def file_modes(root, rel_dir):
    """{path: (mode, fix)} for files under rel_dir: git's recorded mode, else the mode on disk."""
    modes = {}
    listed = subprocess.run(
        ["git", "-C", root, "ls-files", "-s", "--", rel_dir], capture_output=True, text=True, check=False
    )
    if listed.returncode != 0:
        print(f"note: {root} is not a git work tree; file modes checked on disk")
    for line in listed.stdout.splitlines() if listed.returncode == 0 else []:
        meta, path = line.split("\t", 1)
        modes[path] = (meta.split()[0], f"git update-index --chmod=+x {path}")
    untracked = []
    for dirpath, _, names in os.walk(os.path.join(root, rel_dir)):
        for name in names:
            path = os.path.relpath(os.path.join(dirpath, name), root)
            if path not in modes:
                executable = os.stat(os.path.join(root, path)).st_mode & stat.S_IXUSR
                modes[path] = ("100755" if executable else "100644", f"chmod +x {path}")
                untracked.append(path)
    if untracked and listed.returncode == 0:
        print(f"note: {len(untracked)} file(s) under {rel_dir}/ not in git yet; their modes checked on disk")
    return modes


def check_executables(root):
    for path, (mode, fix) in sorted(file_modes(root, "rootfs").items()):
        s6_script = os.path.basename(path) in S6_EXECUTABLE_NAMES or path.startswith("rootfs/etc/s6-overlay/scripts/")
        if s6_script and mode != "100755":
            fail(f"{path}: mode {mode}, must be 100755 ({fix})")


def read_words(path):
    with open(path, encoding="utf-8") as f:
        return f.read().split()


def check_service(rc_dir, name, known):
    service = os.path.join(rc_dir, name)
    where = f"rootfs/etc/s6-overlay/s6-rc.d/{name}"
    type_file = os.path.join(service, "type")
    if not os.path.isfile(type_file):
        if name != "user":  # s6-overlay itself defines the user bundle
            fail(f"{where}: no `type` file")
        return
    kind = read_words(type_file)
    if len(kind) != 1 or kind[0] not in S6_TYPES:
        fail(f"{where}/type: must be one of {sorted(S6_TYPES)}, is {kind}")
        return
    needed = {"longrun": "run", "oneshot": "up"}.get(kind[0])
    if needed and not os.path.isfile(os.path.join(service, needed)):
        fail(f"{where}: a {kind[0]} needs a `{needed}` file")
    if kind[0] == "oneshot":
        for script_file in ("up", "down"):
            check_oneshot_script(os.path.dirname(rc_dir), service, script_file, where)
    deps = os.path.join(service, "dependencies.d")
    for dep in sorted(os.listdir(deps)) if os.path.isdir(deps) else []:
        if dep not in known:
            fail(f"{where}/dependencies.d/{dep}: no such service")


def check_oneshot_script(s6_dir, service, script_file, where):
    """A oneshot's up/down names a script; one under /etc/s6-overlay/ must be in rootfs/."""
    path = os.path.join(service, script_file)
    if not os.path.isfile(path):
        return
    words = read_words(path)
    if words and words[0].startswith("/etc/s6-overlay/"):
        target = os.path.join(os.path.dirname(s6_dir), words[0][len("/etc/"):])
        if not os.path.isfile(target):
            fail(f"{where}/{script_file}: {words[0]} is not in rootfs/")


def check_s6(root):
    rc_dir = os.path.join(root, "rootfs", "etc", "s6-overlay", "s6-rc.d")
    if not os.path.isdir(rc_dir):
        print("skipped: the s6-rc checks (no rootfs/etc/s6-overlay/s6-rc.d/)")
        return
    services = sorted(n for n in os.listdir(rc_dir) if os.path.isdir(os.path.join(rc_dir, n)))
    known = set(services) | S6_BUILTIN_SERVICES
    for name in services:
        check_service(rc_dir, name, known)
    contents = os.path.join(rc_dir, "user", "contents.d")
    bundled = set(os.listdir(contents)) if os.path.isdir(contents) else set()
    for name in sorted(set(services) - bundled - {"user"}):
        fail(f"rootfs/etc/s6-overlay/s6-rc.d/user/contents.d/{name}: missing, so s6 never starts {name}")
    for name in sorted(bundled - known):
        fail(f"rootfs/etc/s6-overlay/s6-rc.d/user/contents.d/{name}: no such service")


def main():
    root = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else os.path.join(HERE, "..", ".."))
    self_test()
    config = check_manifest(root)
    if config is not None:
        check_options(config)
        check_translations(root, config)
    if os.path.isdir(os.path.join(root, "rootfs")):
        check_executables(root)
        check_s6(root)
    else:
        print("skipped: the rootfs/ checks (executable s6 scripts, s6-rc services): no rootfs/ yet")
    if failures:
        print(f"check_addon_files: {len(failures)} problem(s)", file=sys.stderr)
        return 1
    print("check_addon_files: all checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
