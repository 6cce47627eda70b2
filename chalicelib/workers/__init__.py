"""SQS-fed worker Lambdas: the shared job skeleton (runner.py) and one module per kind of job."""
