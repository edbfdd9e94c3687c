#!/bin/sh
curl http://localhost:8080/healthz
