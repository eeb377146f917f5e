/* Unit tests: the AWS shared-file parser and the credential, region and
 * endpoint resolution of src/aws.c (no network: instance metadata is
 * disabled). */
#include "unit.h"

#include <sys/stat.h>
#include <unistd.h>

#include "aws.h"
#include "aws_ini.h"

static char dir[64];

static void
write_file(const char *name, const char *text)
{
	char path[128];
	FILE *f;

	snprintf(path, sizeof path, "%s/%s", dir, name);
	f = fopen(path, "w");
	fputs(text, f);
	fclose(f);
}

/* A clean environment: no AWS_* variable but the two file paths. */
static void
clean_env(void)
{
	static const char *const vars[] = { "AWS_ACCESS_KEY_ID",
	    "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN",
	    "AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_REGION",
	    "AWS_DEFAULT_REGION", "AWS_ENDPOINT_URL",
	    "AWS_ENDPOINT_URL_CLOUDWATCH_LOGS", "AWS_ENDPOINT_URL_S3",
	    "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "AWS_CREDENTIAL_EXPIRATION",
	    "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
	    "AWS_CONTAINER_CREDENTIALS_FULL_URI" };
	char path[128];
	size_t i;

	for (i = 0; i < ARRAY_LEN(vars); i++)
		unsetenv(vars[i]);
	setenv("AWS_EC2_METADATA_DISABLED", "true", 1);
	snprintf(path, sizeof path, "%s/credentials", dir);
	setenv("AWS_SHARED_CREDENTIALS_FILE", path, 1);
	snprintf(path, sizeof path, "%s/config", dir);
	setenv("AWS_CONFIG_FILE", path, 1);
}

static const char credentials[] =
    "# comment\n"
    "[default]\n"
    "aws_access_key_id = AKIDDEFAULT\n"
    "aws_secret_access_key = secret-default\n"
    "\n"
    "[ops]\n"
    "aws_access_key_id=AKIDOPS\n"
    "aws_secret_access_key = secret-ops\n"
    "aws_session_token = token-ops\n";

static const char config[] =
    "[default]\n"
    "region = us-east-1\n"
    "; another comment\n"
    "[profile ops]\n"
    "region = eu-west-1\n"
    "services = local\n"
    "[profile cfgkeys]\n"
    "region = ap-south-1\n"
    "aws_access_key_id = AKIDCFG\n"
    "aws_secret_access_key = secret-cfg\n"
    "endpoint_url = http://profile.example:1/\n"
    "[profile role]\n"
    "region = us-west-2\n"
    "role_arn = arn:aws:iam::123456789012:role/R\n"
    "source_profile = default\n"
    "[services local]\n"
    "cloudwatch_logs =\n"
    "  endpoint_url = http://127.0.0.1:4566\n"
    "s3 =\n"
    "\tendpoint_url = http://127.0.0.1:4567/\n";

static void
setup(void)
{
	snprintf(dir, sizeof dir, "/tmp/flowlens-unit-aws-%d", (int)getpid());
	mkdir(dir, 0700);
	write_file("credentials", credentials);
	write_file("config", config);
	clean_env();
}

static void
test_ini_parse(void)
{
	struct aws_ini ini = { 0 };
	static const char text[] =
	    "[a]\nk = v1\n  x = nested-but-no-outer\nbroken line\n"
	    "[b ]\nouter =\n  inner = 7\nk = last\nk = later\n[]\n"
	    "[unclosed\n= novalue\n";

	aws_ini_parse(&ini, "t.ini", text, sizeof text - 1);
	CHECK_STR(aws_ini_get(&ini, "a", "k"), "v1");
	CHECK_STR(aws_ini_get(&ini, "a", "x"), "nested-but-no-outer");
	CHECK_STR(aws_ini_get(&ini, "b", "outer.inner"), "7");
	CHECK_STR(aws_ini_get(&ini, "b", "outer"), "");
	CHECK_STR(aws_ini_get(&ini, "b", "k"), "later");
	CHECK(aws_ini_get(&ini, "a", "missing") == NULL);
	CHECK(aws_ini_has_section(&ini, "b"));
	CHECK_INT(ini.problems, 4);
	CHECK_STR(ini.problem, "t.ini:4: expected \"key = value\"");
	aws_ini_free(&ini);
	CHECK(ini.entries == NULL && ini.n == 0);
}

static void
test_ini_keys_lowercase_and_crlf(void)
{
	struct aws_ini ini = { 0 };
	static const char text[] = "[default]\r\nAWS_Access_Key_ID = X\r\n";

	aws_ini_parse(&ini, "t", text, sizeof text - 1);
	CHECK_STR(aws_ini_get(&ini, "default", "aws_access_key_id"), "X");
	CHECK_INT(ini.problems, 0);
	aws_ini_free(&ini);
}

static struct aws *
open_ok(const struct aws_options *o)
{
	struct aws *aws = NULL;
	char *err = NULL;

	if (aws_open(&aws, o, &err) < 0) {
		fprintf(stderr, "  aws_open: %s\n", err);
		free(err);
		return NULL;
	}
	return aws;
}

/* The endpoint aws resolves for service is want (custom: overridden). */
static void
check_endpoint(const struct aws *aws, enum aws_service service,
    const char *want, int want_custom)
{
	int custom = -1;
	char *ep = aws_endpoint(aws, service, &custom);

	CHECK_STR(ep, want);
	CHECK_INT(custom, want_custom);
	free(ep);
}

static void
test_default_profile_from_files(void)
{
	struct aws_options o = { 0 };
	struct aws_creds c;
	struct aws *aws;
	char *err = NULL;

	setup();
	aws = open_ok(&o);
	CHECK(aws != NULL);
	if (!aws)
		return;
	CHECK_STR(aws_region(aws), "us-east-1");
	CHECK_INT(aws_credentials(aws, &c, &err), 0);
	CHECK_STR(c.access_key_id, "AKIDDEFAULT");
	CHECK_STR(c.secret_access_key, "secret-default");
	CHECK(c.session_token == NULL);
	CHECK(strstr(c.source, "[default]") != NULL);
	aws_creds_clear(&c);
	check_endpoint(aws, AWS_LOGS, "https://logs.us-east-1.amazonaws.com", 0);
	check_endpoint(aws, AWS_S3, "https://s3.us-east-1.amazonaws.com", 0);
	aws_close(aws);
}

static void
test_env_beats_files_unless_profile_chosen(void)
{
	struct aws_options o = { 0 };
	struct aws_creds c;
	struct aws *aws;
	char *err = NULL;

	setup();
	setenv("AWS_ACCESS_KEY_ID", "AKIDENV", 1);
	setenv("AWS_SECRET_ACCESS_KEY", "secret-env", 1);
	setenv("AWS_SESSION_TOKEN", "token-env", 1);
	setenv("AWS_REGION", "sa-east-1", 1);
	setenv("AWS_DEFAULT_REGION", "us-east-2", 1);
	aws = open_ok(&o);
	if (aws) {
		CHECK_STR(aws_region(aws), "sa-east-1");
		CHECK_INT(aws_credentials(aws, &c, &err), 0);
		CHECK_STR(c.access_key_id, "AKIDENV");
		CHECK_STR(c.session_token, "token-env");
		CHECK_STR(c.source, "environment variables");
		aws_creds_clear(&c);
		aws_close(aws);
	}
	/* --profile: the environment's keys are not used. */
	o.profile = "ops";
	unsetenv("AWS_REGION");
	unsetenv("AWS_DEFAULT_REGION");
	aws = open_ok(&o);
	CHECK(aws != NULL);
	if (aws) {
		CHECK_STR(aws_region(aws), "eu-west-1");
		CHECK_INT(aws_credentials(aws, &c, &err), 0);
		CHECK_STR(c.access_key_id, "AKIDOPS");
		CHECK_STR(c.session_token, "token-ops");
		aws_creds_clear(&c);
		aws_close(aws);
	}
}

static void
test_profile_env_and_services_endpoints(void)
{
	struct aws_options o = { 0 };
	struct aws *aws;

	setup();
	setenv("AWS_PROFILE", "ops", 1);
	aws = open_ok(&o);
	CHECK(aws != NULL);
	if (!aws)
		return;
	check_endpoint(aws, AWS_LOGS, "http://127.0.0.1:4566", 1);
	check_endpoint(aws, AWS_S3, "http://127.0.0.1:4567", 1);
	/* Global env beats the config file, the service one beats both. */
	setenv("AWS_ENDPOINT_URL", "http://global:1", 1);
	check_endpoint(aws, AWS_LOGS, "http://global:1", 1);
	setenv("AWS_ENDPOINT_URL_CLOUDWATCH_LOGS", "http://logs-only:2/", 1);
	check_endpoint(aws, AWS_LOGS, "http://logs-only:2", 1);
	check_endpoint(aws, AWS_S3, "http://global:1", 1);
	setenv("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "true", 1);
	check_endpoint(aws, AWS_S3, "https://s3.eu-west-1.amazonaws.com", 0);
	aws_close(aws);
	/* --endpoint-url beats everything. */
	o.endpoint_url = "http://cli:3/";
	aws = open_ok(&o);
	if (aws) {
		check_endpoint(aws, AWS_LOGS, "http://cli:3", 1);
		aws_close(aws);
	}
}

static void
test_config_file_keys_and_profile_endpoint(void)
{
	struct aws_options o = { 0 };
	struct aws_creds c;
	struct aws *aws;
	char *err = NULL;

	setup();
	o.profile = "cfgkeys";
	aws = open_ok(&o);
	CHECK(aws != NULL);
	if (!aws)
		return;
	CHECK_STR(aws_region(aws), "ap-south-1");
	CHECK_INT(aws_credentials(aws, &c, &err), 0);
	CHECK_STR(c.access_key_id, "AKIDCFG");
	CHECK(strstr(c.source, "[profile cfgkeys]") != NULL);
	aws_creds_clear(&c);
	check_endpoint(aws, AWS_S3, "http://profile.example:1", 1);
	aws_close(aws);
}

static void
test_errors_are_actionable_and_secret_free(void)
{
	struct aws_options o = { 0 };
	struct aws_creds c;
	struct aws *aws = NULL;
	char *err = NULL;

	setup();
	o.profile = "nosuch";
	CHECK_INT(aws_open(&aws, &o, &err), -1);
	CHECK(err && strstr(err, "\"nosuch\"") && strstr(err, "credentials"));
	free(err);
	err = NULL;
	o.profile = "role";
	aws = open_ok(&o);
	if (aws) {
		CHECK_INT(aws_credentials(aws, &c, &err), -1);
		CHECK(err && strstr(err, "role_arn") &&
		    strstr(err, "export-credentials"));
		free(err);
		err = NULL;
		aws_close(aws);
	}
	/* Half a key pair in the environment. */
	o.profile = NULL;
	setenv("AWS_ACCESS_KEY_ID", "AKIDHALF", 1);
	aws = open_ok(&o);
	if (aws) {
		CHECK_INT(aws_credentials(aws, &c, &err), -1);
		CHECK(err && strstr(err, "AWS_SECRET_ACCESS_KEY"));
		free(err);
		err = NULL;
		aws_close(aws);
	}
	/* No keys anywhere and no region. */
	unsetenv("AWS_ACCESS_KEY_ID");
	write_file("credentials", "");
	write_file("config", "[default]\naws_secret_access_key = only\n");
	CHECK_INT(aws_open(&aws, &o, &err), -1);
	CHECK(err && strstr(err, "no AWS region") && strstr(err, "--region"));
	free(err);
	err = NULL;
	setenv("AWS_REGION", "us-east-1", 1);
	aws = open_ok(&o);
	if (aws) {
		CHECK_INT(aws_credentials(aws, &c, &err), -1);
		CHECK(err && strstr(err, "aws_access_key_id") &&
		    !strstr(err, "only"));
		free(err);
		aws_close(aws);
	}
}

static void
test_parse_error_bodies(void)
{
	static const char json[] = "{\"__type\":\"com.amazonaws.logs#"
	    "ResourceNotFoundException:http://x\",\"Message\":\"gone\"}";
	static const char xml[] = "<?xml version=\"1.0\"?><Error><Code>"
	    "AccessDenied</Code><Message>no</Message></Error>";
	char *code, *msg;

	aws_parse_error(json, sizeof json - 1, &code, &msg);
	CHECK_STR(code, "ResourceNotFoundException");
	CHECK_STR(msg, "gone");
	free(code);
	free(msg);
	aws_parse_error(xml, sizeof xml - 1, &code, &msg);
	CHECK_STR(code, "AccessDenied");
	CHECK_STR(msg, "no");
	free(code);
	free(msg);
	aws_parse_error("not json", 8, &code, &msg);
	CHECK(code == NULL && msg == NULL);
}

static void
test_parse_credentials_json(void)
{
	static const char ok[] = "{\"Code\":\"Success\",\"Type\":\"AWS-HMAC\","
	    "\"AccessKeyId\":\"ASIA1\",\"SecretAccessKey\":\"s\",\"Token\":"
	    "\"t\",\"Expiration\":\"2030-01-02T03:04:05Z\"}";
	static const char fail[] = "{\"Code\":\"AssumeRoleUnauthorizedAccess\","
	    "\"Message\":\"EC2 cannot assume the role\"}";
	struct aws_creds c;
	char *err = NULL;

	CHECK_INT(aws_parse_credentials_json(ok, sizeof ok - 1, &c, &err), 0);
	CHECK_STR(c.access_key_id, "ASIA1");
	CHECK_STR(c.session_token, "t");
	CHECK_INT(c.expires, 1893553445);
	aws_creds_clear(&c);
	CHECK_INT(aws_parse_credentials_json(fail, sizeof fail - 1, &c, &err),
	    -1);
	CHECK(err && strstr(err, "AssumeRoleUnauthorizedAccess"));
	free(err);
	err = NULL;
	CHECK_INT(aws_parse_credentials_json("{\"AccessKeyId\":\"A\"}", 19, &c,
	    &err), -1);
	CHECK(err && strstr(err, "SecretAccessKey"));
	free(err);
}

static void
test_uri_encode_and_sha256(void)
{
	struct sbuf b = { 0 };
	char hex[65];

	aws_uri_encode(&b, "AWSLogs/aws-account-id=1/a b~_.-", 1);
	CHECK_STR(b.data, "AWSLogs/aws-account-id%3D1/a%20b~_.-");
	sbuf_reset(&b);
	aws_uri_encode(&b, "a/b", 0);
	CHECK_STR(b.data, "a%2Fb");
	sbuf_free(&b);
	aws_sha256_hex("", 0, hex);
	CHECK_STR(hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495"
	    "991b7852b855");
}

static void
test_cleanup(void)
{
	char path[128];

	snprintf(path, sizeof path, "%s/credentials", dir);
	unlink(path);
	snprintf(path, sizeof path, "%s/config", dir);
	unlink(path);
	CHECK_INT(rmdir(dir), 0);
}

UNIT_MAIN(UNIT_CASE(test_ini_parse),
    UNIT_CASE(test_ini_keys_lowercase_and_crlf),
    UNIT_CASE(test_default_profile_from_files),
    UNIT_CASE(test_env_beats_files_unless_profile_chosen),
    UNIT_CASE(test_profile_env_and_services_endpoints),
    UNIT_CASE(test_config_file_keys_and_profile_endpoint),
    UNIT_CASE(test_errors_are_actionable_and_secret_free),
    UNIT_CASE(test_parse_error_bodies),
    UNIT_CASE(test_parse_credentials_json),
    UNIT_CASE(test_uri_encode_and_sha256),
    UNIT_CASE(test_cleanup))
