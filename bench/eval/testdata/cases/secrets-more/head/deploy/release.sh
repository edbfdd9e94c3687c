#!/bin/sh
# Publishes the release artefacts and tells the team.
set -eu
twine upload -u __token__ -p pypi-AgEIcHlwaS5vcmc45Brxqq_KyzsOnFg4xarI6F3H-r_up8cUb1ErTHEZnVwX5lfiA5nYQnLqFWf dist/*
huggingface-cli login --token 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
doctl auth init -t dop_v1_ccff44c3698e3feb947e0fa5f9b3e236a3305ae95cdff4fbccfe78db0dd922e8
curl -sS -H "X-Shopify-Access-Token: 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" https://contoso.myshopify.com/admin/api/2024-01/shop.json
curl -sS -H "X-API-Key: PMAK-63a072bfcc6ce7fbbd527365-6f0f1ad35a70653c83ef7a3eb051cd058a" https://api.getpostman.com/collections
databricks jobs run-now --job-id 42 --host https://adb-1.azuredatabricks.net --token dapi654d812b1131cbfad1959a5357de8442
curl -sS -u SKc7865ecb34867db276aa63565bfbeac7:x https://api.twilio.com/2010-04-01/Accounts.json
doctl auth init -t "${DIGITALOCEAN_TOKEN}"
echo "done"
