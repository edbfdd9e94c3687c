import os

DEBUG = False
ALLOWED_HOSTS = ["billing.contoso.com"]
