"""Config validation: every invalid fixture fails with exactly its problems, each located precisely.

Each `fixtures/<case>.yaml` is `fixtures/_valid.yaml` with one kind of defect (`many_problems.yaml`:
several). EXPECTED lists, per case, every problem ConfigError must report, in its order (by line):
the dotted location, the line (None when the key is absent from the file) and a message fragment.
A fixture without an entry, or a problem the entry does not list, fails the test.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from groundwork.config.loader import DEFAULT_CONFIG, ConfigError, config_path, load_config, parse_config

from tests.conftest import ROOT

FIXTURES = Path(__file__).parent / "fixtures"
VALID = FIXTURES / "_valid.yaml"
MANAGEMENT_ONLY = "'Management' is the management account, which must run no workloads"
INLINE = "a secret is written inline"
EXTRA = "Extra inputs are not permitted"
REPEATED = "this key is repeated in its mapping; YAML would silently keep only the last one"

EXPECTED: dict[str, list[tuple[str, int | None, str]]] = {
    "duplicate_account_names": [
        ("organization.accounts[4].name", 21, "duplicate account name 'Development'"),
        ("organization.accounts[5].name", 22, "duplicate account name 'Management'"),
    ],
    "duplicate_emails": [
        ("organization.accounts[1].email", 18,
         "email AWS-Log-Archive@example.com is already used by account 'Log Archive'"),
        ("organization.accounts[3].email", 20,
         "email aws-management@example.com is already used by the management account"),
    ],
    "duplicate_yaml_keys": [
        ("aws.home_region", 5, REPEATED),
        ("organization.service_control_policies", 27, REPEATED),
    ],
    "unknown_ou": [
        ("organization.accounts[4].ou", 21, "unknown OU 'Platform' (known: Security, Workloads, Shared)"),
    ],
    "scp_unknown_target": [
        ("organization.service_control_policies[1].targets[1]", 28, "unknown OU 'Security/Logs'"),
    ],
    "management_account_workloads": [
        ("organization.management_account.workloads", 11, "the management account must run no workloads"),
    ],
    "management_account_referenced": [
        ("network.transit_gateway_account", 35, MANAGEMENT_ONLY),
        ("observability.log_archive_account", 37, MANAGEMENT_ONLY),
        ("cicd.shared_services_account", 40, MANAGEMENT_ONLY),
        ("cicd.environments[0].account", 43, MANAGEMENT_ONLY),
    ],
    "malformed_cidr": [
        ("organization.accounts[3].cidr", 20, "malformed CIDR '10.2.0.0/33'"),
        ("organization.accounts[4].cidr", 21, "malformed CIDR '10.10.0.1/16': 10.10.0.1/16 has host bits set"),
    ],
    "public_cidr": [
        ("organization.accounts[3].cidr", 20, "52.2.0.0/16 is outside the network supernet 10.0.0.0/8"),
        ("organization.accounts[3].cidr", 20, "CIDR 52.2.0.0/16 is public address space; use RFC 1918 ranges"),
    ],
    "overlapping_cidrs": [
        ("organization.accounts[3].cidr", 20, "10.0.128.0/17 overlaps 10.0.0.0/16 of account 'Production'"),
    ],
    "cidr_outside_supernet": [
        ("organization.accounts[4].cidr", 21, "172.16.0.0/16 is outside the network supernet 10.0.0.0/8"),
    ],
    "unknown_region": [
        ("aws.allowed_regions[2]", 5, "unknown AWS region 'eu-west-9'"),
    ],
    "home_region_not_allowed": [
        ("aws.home_region", 4, "home_region eu-west-1 is not in allowed_regions ['us-east-1', 'us-west-2']"),
    ],
    "bad_session_duration": [
        ("identity.permission_sets[0].session_duration", 32, "'4h' is not an ISO-8601 duration"),
    ],
    "session_duration_over_12h": [
        ("identity.permission_sets[0].session_duration", 32, "session duration PT13H is over the 12 hour maximum"),
    ],
    "scp_invalid_json": [
        ("organization.service_control_policies[1].document", 29, "not valid policy JSON"),
    ],
    "scp_bad_structure": [
        ("organization.service_control_policies[1].document", 29, "Statement[0]: SCPs do not support Principal"),
        ("organization.service_control_policies[1].document", 29, "Statement[1].Effect must be Allow or Deny"),
    ],
    "scp_over_size_quota": [
        ("organization.service_control_policies[1].document", 29,
         "policy is 5708 characters minified, over the SCP quota of 5120"),
    ],
    "scp_rendered_over_size_quota": [  # custom part alone fits; with the builtin statements it does not
        ("organization.service_control_policies[1]", 26,
         "policy is 5808 characters minified, over the SCP quota of 5120"),
    ],
    "scp_over_quota_and_cidr_overlap": [  # an oversized SCP is no longer hidden behind other problems
        ("organization.accounts[3].cidr", 20, "10.0.0.0/16 overlaps 10.0.0.0/16 of account 'Production'"),
        ("organization.service_control_policies[1]", 26, "policy is 5808 characters minified, over the SCP quota of 5120"),
    ],
    "too_many_scps_per_target": [
        ("organization.service_control_policies[5].targets", 32, "'Workloads' would have more than 4 groundwork SCPs"),
    ],
    "inline_external_id": [
        ("cicd.external_id", 38, INLINE),
    ],
    "inline_secret_keys": [
        ("aws.secret_access_key", 5, EXTRA),
        ("aws.secret_access_key", 5, INLINE),
        ("identity.scim_token", 32, EXTRA),
        ("identity.scim_token", 32, INLINE),
        ("identity.permission_sets[0].inline_policy.Statement[0].Condition.StringEquals.sts:ExternalId", 36, INLINE),
    ],
    "log_archive_interactive_access": [
        ("identity.assignments[0].accounts[1]", 38,
         "'Auditors' would get interactive access to the Log Archive account 'Log Archive'; only the break-glass group"),
        ("identity.assignments[1].ous[0]", 39, "'Auditors' would get interactive access to the Log Archive account"),
    ],
    "production_without_approvers": [
        ("approvals.approvers", 8, "at least one approver (Airflow user name) is required: every phase asks "
         "for an approval before it changes what needs one (production accounts ['Production'] too), and a "
         "request assigned to nobody could be answered by any user"),
    ],
    "no_approvers": [
        ("approvals.approvers", None, "at least one approver (Airflow user name) is required: every phase asks "
         "for an approval before it changes what needs one, and a request assigned to nobody could be "
         "answered by any user"),
    ],
    "production_deploy_without_approval": [
        ("cicd.environments[1].requires_approval", 41, "environment 'production' deploys to the production account(s) "
         "'Production': production deployments always require a manual approval (remove requires_approval: false)"),
    ],
    "unknown_keys": [
        ("organization.accounts[1].enviroment", 18, EXTRA),
        ("network.transit_gateway", 35, EXTRA),
        ("observabilty", 38, EXTRA),
    ],
    "not_yaml": [
        ("", 16, "not valid YAML: while parsing a flow sequence"),
    ],
    "not_a_mapping": [
        ("", 1, "the config must be a mapping with an 'organization' section"),
    ],
    "many_problems": [
        ("aws.regions", 5, EXTRA),
        ("approvals.approvers", 9, "at least one approver (Airflow user name) is required"),
        ("organization.accounts[1].email", 19, "email aws-log-archive@example.com is already used"),
        ("organization.accounts[3].cidr", 21, "malformed CIDR '10.2.0.0/33'"),
        ("organization.accounts[4].ou", 22, "unknown OU 'Platform'"),
        ("identity.permission_sets[0].session_duration", 33, "session duration PT13H is over the 12 hour maximum"),
        ("cicd.external_id", 39, INLINE),
    ],
    # Accepted before the fail-closed pass (issue: 22 of 174 broken variants went through)
    "email_over_64": [
        ('organization.accounts[1].email', 18, "'aws-audit-xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx@example.com' is 67 characters; AWS account emails have at most 64"),
    ],
    "permission_set_name_over_32": [
        ('identity.permission_sets[0].name', 32, "'ReadOnlyForEveryoneInTheWholeCompany': a permission set name has 1-32 letters, digits or + = , . @ _ - (AWS)"),
    ],
    "ou_nested_too_deep": [
        ('organization.organizational_units[2].children[0].children[0].children[0].children[0].children[0]', 16, "OU 'L6' is nested 6 levels deep; AWS allows 5 under the root"),
    ],
    "vpc_cidr_prefix_out_of_range": [
        ('organization.accounts[2].cidr', 19, '10.0.0.0/12: a VPC CIDR must be between /16 and /28 (AWS)'),
        ('organization.accounts[3].cidr', 20, "10.2.0.0/29 overlaps 10.0.0.0/12 of account 'Production'"),
        ('organization.accounts[3].cidr', 20, '10.2.0.0/29: a VPC CIDR must be between /16 and /28 (AWS)'),
        ('organization.accounts[4].cidr', 21, "10.10.0.0/16 overlaps 10.0.0.0/12 of account 'Production'"),
    ],
    "supernet_without_room": [
        ('organization.accounts[2].cidr', 19, '10.0.0.0/16 is outside the network supernet 10.0.0.0/20'),
        ('organization.accounts[3].cidr', 20, '10.2.0.0/16 is outside the network supernet 10.0.0.0/20'),
        ('organization.accounts[4].cidr', 21, '10.10.0.0/16 is outside the network supernet 10.0.0.0/20'),
        ('network.account_prefix_length', 37, '/16 blocks do not fit in the supernet 10.0.0.0/20 at all'),
    ],
    "supernet_too_few_blocks": [
        ('organization.accounts[3].cidr', 20, '10.2.0.0/16 is outside the network supernet 10.0.0.0/15'),
        ('organization.accounts[4].cidr', 21, '10.10.0.0/16 is outside the network supernet 10.0.0.0/15'),
        ('network.account_prefix_length', 37, 'the supernet 10.0.0.0/15 holds 2 /16 block(s), fewer than the 5 accounts (one VPC each)'),
    ],
    "bucket_prefix_not_s3": [
        ('observability.log_bucket_prefix', 38, "'Wingu_Logs': S3 bucket names take lowercase letters, digits and hyphens, starting and ending with a letter or digit"),
        ('cicd.artifact_bucket_prefix', 41, "bucket names built from 'wingu-artifacts-for-every-application-we-have' reach 68 characters (<prefix>-<account id>-<region>); S3 allows 63"),
    ],
    "trail_name_too_short": [
        ('observability.trail_name', 38, "'ot': a trail name has 3-128 letters, digits, . _ -, starts and ends with a letter or digit, with no two separators together (AWS)"),
    ],
    "private_zone_not_a_domain": [
        ('network.private_zone', 36, "'internal zone!': not a domain name (labels of letters, digits and -, separated by dots)"),
    ],
    "inline_policy_not_a_policy": [
        ('identity.permission_sets[0].inline_policy', 32, 'Statement[0] needs exactly one of Action or NotAction'),
        ('identity.permission_sets[0].inline_policy', 32, 'Statement[0].Effect must be Allow or Deny'),
        ('identity.permission_sets[0].inline_policy', 32, 'policy Version must be "2012-10-17"'),
    ],
    "kind_disagrees": [
        ("observability.audit_account", 36, "names 'Production', but the account of kind audit is 'Audit'"),
    ],
    "interface_endpoint_unknown": [
        ("network.interface_endpoints[1]", 36, "AWS has no interface endpoint service named 'kmss'"),
        ("network.interface_endpoints[3]", 36, "'devicefarm' has no endpoint in us-east-1"),
    ],
    "customer_policy_path": [
        ('identity.permission_sets[0].customer_managed_policies[0].path', 32, "'teams/': an IAM policy path is '/' or '/a/b/' (starts and ends with /)"),
    ],
    "duplicate_cicd_environment": [
        ('cicd.environments[2].name', 42, "duplicate environment 'production' (first at cicd.environments[1]); a "
         "second entry would silently replace the first: list all of an environment's accounts in one entry"),
    ],
    "production_environment_on_non_production_account": [
        ('cicd.environments[1].account', 41, "the production environment deploys to 'Shared Services', whose "
         "environment is 'shared', not production"),
    ],
    "environment_unknown_account": [
        ("cicd.environments[1].accounts[1]", 41,
         "unknown account 'Production B': no account in organization.accounts has this name"),
        ("cicd.environments[2].account", 42, "unknown account 'Quality': no account in organization.accounts has this name"),
    ],
    "account_in_two_environments": [
        ("cicd.environments[1].accounts[0]", 41, "account 'Development' is already in environment 'development': an "
         "account belongs to one environment (its deployment role, key and bucket serve that one)"),
        ("cicd.environments[2].accounts[1]", 42, "account 'Production' is listed twice in this environment"),
    ],
    "environment_name_not_a_slug": [
        ("cicd.environments[0].name", 40, "'Development': an environment name is a short slug: 1-32 lowercase "
         "letters, digits and hyphens"),
        ("cicd.environments[1].name", 41, "'prod_1': an environment name is a short slug"),
    ],
    "environment_account_and_accounts": [
        ("cicd.environments[0]", 40, "give either `accounts: [...]` or the shorthand `account: <name>`, not both"),
    ],
    "environment_without_accounts": [
        ("cicd.environments[0].accounts", 40, "List should have at least 1 item"),
    ],
    "environment_retired_account": [
        ("cicd.environments[1].accounts[0]", 43,
         "account 'Old Staging' is retired: this needs an active account (remove the reference first)"),
    ],
    "log_archive_unprotected": [
        ('organization.accounts[0].ou', 17, "the Log Archive account 'Log Archive' is in OU 'Shared', which no SCP with protect_log_archive targets; its logs could be deleted"),
    ],
    "two_log_archives": [
        ('organization.accounts[1].kind', 18, "a second log_archive account ('Audit'); the organization has one Log Archive"),
    ],
    "empty_secret_reference": [
        ('cicd.external_id.airflow_connection', 38, 'String should have at least 1 character'),
    ],
    "strict_types": [
        ('network.account_prefix_length', 36, 'Input should be a valid integer'),
        ('network.availability_zones', 37, 'Input should be a valid integer'),
    ],
    "stack_actions_too_broad": [
        ("cicd.stack_name", 42, "'1-app': a CloudFormation stack name has 1-128 letters, digits and hyphens, "
         "starting with a letter"),
        ("cicd.stack_actions[1]", 45, "'iam:CreateRole': no IAM action is allowed, a template must not be able to "
         "create or change roles and policies through the deploy"),
        ("cicd.stack_actions[2]", 46, "'*' would let a template do anything, IAM included"),
        ("cicd.stack_actions[3]", 47, "'IAM:PassRole': no IAM action is allowed"),
        ("cicd.stack_actions[4]", 48, "'sqs': an IAM action is '<service>:<action>'"),
    ],
    "access_key_in_config": [
        ('identity.permission_sets[0].description', 32, 'looks like an AWS access key id; credentials come from the Airflow connection, never the config'),
    ],
}


def _problems(path: Path) -> ConfigError:
    with pytest.raises(ConfigError) as info:
        load_config(path)
    return info.value


def test_every_invalid_fixture_has_expectations():
    fixtures = {p.stem for p in FIXTURES.glob("*.yaml") if not p.name.startswith("_")}
    assert fixtures == set(EXPECTED)


def test_the_fixture_base_is_valid():
    config = load_config(VALID)
    assert [a.name for a in config.organization.accounts] == [
        "Log Archive", "Audit", "Production", "Development", "Shared Services"
    ]


@pytest.mark.parametrize("case", sorted(EXPECTED))
def test_invalid_fixture_reports_exactly_its_problems(case):
    path = FIXTURES / f"{case}.yaml"
    error = _problems(path)
    got = [(p.location, p.line, p.message) for p in error.problems]
    expected = EXPECTED[case]
    assert len(got) == len(expected), f"expected {len(expected)} problem(s), got:\n" + "\n".join(map(str, got))
    for (location, line, fragment), (got_location, got_line, message) in zip(expected, got):
        assert (got_location, got_line) == (location, line), message
        assert fragment in message
    text = str(error)
    assert text.startswith(f"{path} has {len(expected)} problem(s); nothing was applied:")
    for location, line, _ in expected:
        where = f"{path}:{line}" if line else str(path)
        assert f"  - {where}: {location or '(top level)'}: " in text


def test_many_problems_are_reported_together_in_one_error():
    error = _problems(FIXTURES / "many_problems.yaml")
    assert len(error.problems) == 7
    # schema errors (pydantic) and cross-section checks (checks.py) arrive in the same error
    messages = " | ".join(p.message for p in error.problems)
    for fragment in ("Extra inputs", "malformed CIDR", "already used", "unknown OU", "over the 12 hour", INLINE):
        assert fragment in messages


@pytest.mark.parametrize("path", [DEFAULT_CONFIG, *sorted((ROOT / "config" / "examples").glob("*.yaml"))],
                         ids=lambda p: p.name)
def test_shipped_configs_are_valid(path):
    config = load_config(path)
    assert config.organization.accounts
    assert all(a.ou in config.ou_paths() for a in config.organization.accounts)


def test_foundation_config_env_selects_the_file(monkeypatch):
    minimal = ROOT / "config" / "examples" / "minimal.yaml"
    monkeypatch.setenv("FOUNDATION_CONFIG", str(minimal))
    assert config_path() == minimal
    assert [a.name for a in load_config().organization.accounts] == ["Log Archive", "Production", "NonProd"]
    # an explicit path still wins over the environment
    assert len(load_config(DEFAULT_CONFIG).organization.accounts) == 8


def test_relative_foundation_config_is_read_from_the_working_directory(monkeypatch):
    monkeypatch.chdir(FIXTURES)
    monkeypatch.setenv("FOUNDATION_CONFIG", "unknown_ou.yaml")
    assert config_path() == FIXTURES / "unknown_ou.yaml"
    assert _problems(None).file == str(FIXTURES / "unknown_ou.yaml")


def test_without_env_the_default_file_is_used(monkeypatch):
    monkeypatch.delenv("FOUNDATION_CONFIG", raising=False)
    assert config_path() == DEFAULT_CONFIG


def test_a_missing_file_is_a_config_error(tmp_path):
    error = _problems(tmp_path / "absent.yaml")
    assert "cannot read the config" in error.problems[0].message


def test_iam_condition_keys_in_policies_are_not_taken_for_secrets():
    text = VALID.read_text().replace(
        "      targets: [Security]\n",
        "      targets: [Security]\n"
        "      document:\n"
        "        Version: \"2012-10-17\"\n"
        "        Statement:\n"
        "          - {Effect: Deny, Action: \"secretsmanager:DeleteSecret\", Resource: \"*\",\n"
        "             Condition: {StringLike: {\"secretsmanager:SecretId\": \"arn:aws:secretsmanager:*:*:secret:p/*\"},\n"
        "                         DateLessThan: {\"aws:TokenIssueTime\": \"2026-01-01T00:00:00Z\"}}}\n",
    )
    config = parse_config(text)
    assert config.organization.service_control_policies[1].document["Statement"][0]["Effect"] == "Deny"


@pytest.mark.parametrize(
    "old, new, location",
    [
        ("targets: [Security]", "targets: [{name: Security}]", "organization.service_control_policies[1].targets[0]"),
        ("name: groundwork-log-archive-protection", "name: [a, b]", "organization.service_control_policies[1].name"),
        ("identity:\n", "identity:\n  groups: [{name: [x]}, {name: [x]}]\n", "identity.groups[0].name"),
        ("cidr: 10.2.0.0/16", "cidr: 167772160", "organization.accounts[3].cidr"),
    ],
)
def test_values_of_the_wrong_type_are_reported_not_crashed_on(old, new, location):
    text = VALID.read_text()
    assert text.count(old) == 1
    with pytest.raises(ConfigError) as info:
        parse_config(text.replace(old, new))
    problems = info.value.problems
    assert "Input should be a valid string" in [p.message for p in problems if p.location == location]
    assert not any("overlaps" in p.message for p in problems)  # an int is no CIDR, not even 10.0.0.0/32


# --------------------------------------------------------------------------- files YAML should never get to
BASE = VALID.read_text()
NOT_A_CONFIG = [
    ("binary", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\xff\xd8", "not a UTF-8 text file (byte 0); is it the right file?"),
    ("utf16", BASE.encode("utf-16"), "the file is UTF-16; save it as UTF-8"),
    ("nul", (BASE[:20] + "\x00" + BASE[20:]).encode(), "the file holds a NUL byte; a config is plain text"),
]


@pytest.mark.parametrize("name,data,message", NOT_A_CONFIG, ids=[c[0] for c in NOT_A_CONFIG])
def test_a_file_that_is_not_a_text_config_is_one_clear_error(tmp_path, name, data, message):
    path = tmp_path / f"{name}.yaml"
    path.write_bytes(data)
    error = _problems(path)
    assert [p.message for p in error.problems] == [message]


BOMB = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
    f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join(['*' + chr(97 + i)] * 9)}]\n" for i in range(8))
STRUCTURE = [
    ("alias_bomb", BOMB, None, "YAML aliases here expand to over 2,000,000 nodes"),
    ("self_reference", "organization: &a [*a]\n", None, "a YAML alias refers to the node that contains it"),
    ("nested_990", "organization: " + "[" * 990 + "]" * 990 + "\n", None, "nested over 64 levels deep"),
    ("date_in_policy", BASE.replace("builtins: [protect_log_archive]",
                                    "builtins: [protect_log_archive]\n      document: {Version: 2012-10-17, Statement: []}"),
     "organization.service_control_policies[1].document.Version", "this is a YAML date"),
    ("set_in_policy", BASE.replace("builtins: [protect_log_archive]",
                                   "builtins: [protect_log_archive]\n      document: !!set {a, b}"),
     "organization.service_control_policies[1].document", "this is a YAML set"),
    ("integer_key_in_policy", BASE.replace("builtins: [protect_log_archive]",
                                           "builtins: [protect_log_archive]\n      document: {1: allow}"),
     "organization.service_control_policies[1].document", "the key 1 is a YAML int, not text; quote it"),
]


@pytest.mark.parametrize("name,text,location,message", STRUCTURE, ids=[c[0] for c in STRUCTURE])
def test_yaml_structures_a_config_cannot_mean_are_refused_before_anything_walks_them(name, text, location, message):
    with pytest.raises(ConfigError) as info:
        parse_config(text, f"{name}.yaml")
    problems = info.value.problems
    assert len(problems) == 1 and message in problems[0].message, problems
    assert problems[0].location == (location or "")


# --------------------------------------------------------------------------- CI/CD environments
MULTI = ROOT / "config" / "examples" / "multi_account_production.yaml"


def _environments(text: str):
    return parse_config(text).cicd.environments


def test_any_slug_names_an_environment_and_the_list_order_is_the_promotion_order():
    config = load_config(MULTI)
    assert [(e.name, e.accounts) for e in config.cicd.environments] == [
        ("dev", ["Development"]), ("test", ["Test"]), ("staging", ["Staging"]),
        ("production", ["Production A", "Production B"])]


def test_the_one_account_shorthand_still_loads():
    """`account: Name` (every config written before environments had several accounts) is `accounts: [Name]`."""
    text = VALID.read_text()
    assert "{name: development, account: Development}" in text
    [development, production] = _environments(text)
    assert development.accounts == ["Development"] and development.account == "Development"
    assert production.accounts == ["Production"]
    longhand = text.replace("account: Development}", "accounts: [Development]}")
    assert _environments(longhand)[0] == development


def test_approval_is_required_by_a_production_account_and_otherwise_as_configured():
    from groundwork.phases.cicd import promotion_layout

    config = load_config(MULTI)
    # production: not written, required (production accounts); staging: written true; dev, test: not written
    assert [e.requires_approval for e in config.cicd.environments] == [None, None, True, None]
    assert [guarded for _, guarded, _ in promotion_layout(config)] == [False, False, True, True]
    text = VALID.read_text().replace("account: Production, requires_approval: true", "account: Production")
    assert promotion_layout(parse_config(text))[1] == ("production", True, ["Production"])


def test_environment_problems_are_reported_together_each_at_its_place():
    text = VALID.read_text().replace(
        "    - {name: production,  account: Production, requires_approval: true}\n",
        "    - {name: production,  accounts: [Production, Nowhere], requires_approval: false}\n"
        "    - {name: Test,        account: Development}\n"
        "    - {name: production,  account: Audit}\n")
    with pytest.raises(ConfigError) as info:
        parse_config(text)
    assert [(p.location, p.message.split(":")[0]) for p in info.value.problems] == [
        ("cicd.environments[1].accounts[1]", "unknown account 'Nowhere'"),
        ("cicd.environments[1].requires_approval", "environment 'production' deploys to the production account(s) "
                                                   "'Production'"),
        ("cicd.environments[2].account", "account 'Development' is already in environment 'development'"),
        ("cicd.environments[2].name", "'Test'"),
        ("cicd.environments[3].name", "duplicate environment 'production' (first at cicd.environments[1]); a second "
                                      "entry would silently replace the first"),
    ]


# --------------------------------------------------------------------------- CI/CD stack deployments
def test_stack_settings_default_to_an_application_stack_without_iam():
    cicd = load_config(VALID).cicd
    assert (cicd.stack_name, cicd.cloudformation_role_name) == ("groundwork-app", "groundwork-cloudformation")
    assert cicd.stack_actions and "*" not in cicd.stack_actions
    assert not any(action.lower().startswith("iam:") for action in cicd.stack_actions)


@pytest.mark.parametrize("actions, index, fragment", [
    ('["iam:*"]', 0, "'iam:*': no IAM action is allowed, a template must not be able to create or change roles"),
    ('["s3:*", "iam:PassRole"]', 1, "'iam:PassRole': no IAM action is allowed"),
    ('["*"]', 0, "'*' would let a template do anything, IAM included"),
    ('["s3:*", "*:*"]', 1, "'*:*': an IAM action is '<service>:<action>'"),
])
def test_stack_actions_that_could_reach_iam_are_refused_at_their_place(actions, index, fragment):
    text = VALID.read_text() + f"  stack_actions: {actions}\n"
    with pytest.raises(ConfigError) as info:
        parse_config(text)
    assert [(p.location, fragment in p.message) for p in info.value.problems] == [
        (f"cicd.stack_actions[{index}]", True)]


def test_an_empty_stack_action_list_is_refused():
    with pytest.raises(ConfigError) as info:
        parse_config(VALID.read_text() + "  stack_actions: []\n")
    assert [(p.location, p.message) for p in info.value.problems] == [
        ("cicd.stack_actions", "List should have at least 1 item after validation, not 0")]


def test_a_team_chooses_its_stack_actions_and_names():
    text = VALID.read_text() + ("  stack_name: orders-service\n  cloudformation_role_name: orders-cfn\n"
                                "  stack_actions: [\"s3:*\", \"states:*\", \"ec2:Describe*\"]\n")
    cicd = parse_config(text).cicd
    assert (cicd.stack_name, cicd.cloudformation_role_name) == ("orders-service", "orders-cfn")
    assert cicd.stack_actions == ["s3:*", "states:*", "ec2:Describe*"]
