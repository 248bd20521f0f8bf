#!/usr/bin/env bash
# Deploys one stage: writes the secrets to SSM Parameter Store (SecureString),
# builds with `sam build` (cargo-lambda, arm64) and deploys the stack
# erunjrun-<stage> with the named parameters. Needs AWS credentials and
# AWS_REGION in the environment (the same ones the AWS CLI/SDK read).
#
#   TOKENKEY=... KAKAO_ID=... scripts/deploy.sh prod
#
# Secrets (written to /erunjrun/<stage>/<NAME> only when set; an existing
# parameter is kept when the variable is unset):
#   TOKENKEY (required on the first deploy, >= 16 bytes), KAKAO_SECRET,
#   NAVER_SECRET, NCP_SENS_SECRET, PHONE_KEY (32 bytes base64; refused if a
#   different one is stored: stored phone numbers would become unreadable).
# Parameters (unset = the template default, or the value of the last deploy):
#   KAKAO_ID KAKAO_URL NAVER_ID NAVER_URL NCP_SENS_ID NCP_SENS_ACCESS SMS_FROM
#   CORS_ORIGINS ALARM_TOPIC_ARN DOMAIN_NAME CERTIFICATE_ARN HOSTED_ZONE_ID
#   LOG_RETENTION_DAYS CONCURRENCY_LIMITS ENABLE_TEST_ROUTES
#   ACCESS_TOKEN_TIME REFRESH_TOKEN_TIME
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$ROOT"

STAGE="${1:-}"
if [[ ! "$STAGE" =~ ^[a-z0-9-]+$ ]]; then
  echo "usage: scripts/deploy.sh <stage>   (lower-case letters, digits, dashes)" >&2
  exit 2
fi
: "${AWS_REGION:?set AWS_REGION (e.g. ap-northeast-2)}"
STACK="erunjrun-$STAGE"

install_tools

log "secrets → SSM /erunjrun/$STAGE/"
# Prints a short fingerprint of the parameter versions (never the values):
# it becomes SecretsVersion, so a changed secret restarts every function.
SECRETS_VERSION="$(STAGE="$STAGE" "$VENV/bin/python" - <<'PY'
import hashlib, os, sys
import boto3
from botocore.exceptions import ClientError

stage = os.environ["STAGE"]
ssm = boto3.client("ssm")
names = ["TOKENKEY", "KAKAO_SECRET", "NAVER_SECRET", "NCP_SENS_SECRET", "PHONE_KEY"]
path = f"/erunjrun/{stage}"

def current(name):
    try:
        return ssm.get_parameter(Name=f"{path}/{name}", WithDecryption=True)["Parameter"]["Value"]
    except ClientError as e:
        if e.response["Error"]["Code"] == "ParameterNotFound":
            return None
        raise

for name in names:
    value = os.environ.get(name, "")
    if not value:
        continue
    if name == "TOKENKEY" and len(value.encode()) < 16:
        sys.exit("TOKENKEY must be at least 16 bytes")
    old = current(name)
    if old == value:
        continue
    if name == "PHONE_KEY" and old is not None and os.environ.get("FORCE_PHONE_KEY") != "1":
        sys.exit("a different PHONE_KEY is stored; stored phone numbers need the old one (FORCE_PHONE_KEY=1 to replace it anyway)")
    ssm.put_parameter(Name=f"{path}/{name}", Value=value, Type="SecureString", Overwrite=True)
    print(f"  {path}/{name} written", file=sys.stderr)

if current("TOKENKEY") is None:
    sys.exit(f"{path}/TOKENKEY does not exist: set TOKENKEY for the first deploy")
found = ssm.get_parameters(Names=[f"{path}/{n}" for n in names])["Parameters"]
versions = ",".join(sorted(f"{p['Name']}={p['Version']}" for p in found))
print(hashlib.sha256(versions.encode()).hexdigest()[:12])
PY
)"

overrides=("Stage=$STAGE" "SecretsVersion=$SECRETS_VERSION")
add() { # add PARAMETER ENV_NAME: pass the variable when it is set
  if [ -n "${!2:-}" ]; then overrides+=("$1=${!2}"); fi
}
add KakaoId KAKAO_ID
add KakaoRedirectUrl KAKAO_URL
add NaverId NAVER_ID
add NaverRedirectUrl NAVER_URL
add SensServiceId NCP_SENS_ID
add SensAccessKey NCP_SENS_ACCESS
add SmsFrom SMS_FROM
add CorsOrigins CORS_ORIGINS
add AlarmTopicArn ALARM_TOPIC_ARN
add DomainName DOMAIN_NAME
add CertificateArn CERTIFICATE_ARN
add HostedZoneId HOSTED_ZONE_ID
add LogRetentionDays LOG_RETENTION_DAYS
add ConcurrencyLimits CONCURRENCY_LIMITS
add EnableTestRoutes ENABLE_TEST_ROUTES
add AccessTokenTime ACCESS_TOKEN_TIME
add RefreshTokenTime REFRESH_TOKEN_TIME

log "sam build (cargo lambda build --release --arm64)"
sam build

log "sam deploy $STACK"
sam deploy \
  --stack-name "$STACK" \
  --region "$AWS_REGION" \
  --resolve-s3 \
  --capabilities CAPABILITY_IAM \
  --no-fail-on-empty-changeset \
  --no-confirm-changeset \
  --parameter-overrides "${overrides[@]}"

OUTPUTS="$("$VENV/bin/python" - "$STACK" <<'PY'
import sys, boto3
stack = boto3.client("cloudformation").describe_stacks(StackName=sys.argv[1])["Stacks"][0]
for output in stack.get("Outputs", []):
    print(f"{output['OutputKey']}: {output['OutputValue']}")
PY
)"

# The six theme default thumbnails (images.md §5) into the stage's bucket:
# idempotent, byte-exact names; served through the CDN like every image.
BUCKET="$(printf '%s\n' "$OUTPUTS" | sed -n 's/^ImageBucketName: //p')"
log "theme default thumbnails → s3://$BUCKET"
cargo run --release --quiet -p functions --features dev-gateway --bin upload-theme-defaults -- "$BUCKET"
printf '%s\n' "$OUTPUTS"
