"""Tests of the deployment: rendered infrastructure, both deploy paths offline, the Lambda package, cold start."""
