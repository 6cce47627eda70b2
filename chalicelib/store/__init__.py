"""PynamoDB models and the functions that read and write them; routes never build DynamoDB keys."""
