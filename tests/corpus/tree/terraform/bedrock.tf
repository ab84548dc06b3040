terraform {
  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "~> 5.80"
    }
  }
}

provider "aws" {
  region = "eu-central-1"
}

data "aws_bedrock_foundation_model" "titan_embed" {
  model_id = "amazon.titan-embed-text-v2:0"
}

resource "aws_bedrockagent_agent" "support" {
  agent_name                  = "support-agent"
  agent_resource_role_arn     = aws_iam_role.bedrock_agent.arn
  foundation_model            = "eu.anthropic.claude-3-7-sonnet-20250219-v1:0"
  idle_session_ttl_in_seconds = 600
  instruction                 = "You answer questions about Kontor invoices. Escalate legal questions."
}

resource "aws_bedrockagent_knowledge_base" "handbook" {
  name     = "handbook"
  role_arn = aws_iam_role.bedrock_agent.arn

  knowledge_base_configuration {
    type = "VECTOR"
    vector_knowledge_base_configuration {
      embedding_model_arn = "arn:aws:bedrock:eu-central-1::foundation-model/amazon.titan-embed-text-v2:0"
    }
  }

  storage_configuration {
    type = "OPENSEARCH_SERVERLESS"
    opensearch_serverless_configuration {
      collection_arn    = aws_opensearchserverless_collection.kb.arn
      vector_index_name = "handbook-index"
      field_mapping {
        vector_field   = "embedding"
        text_field     = "text"
        metadata_field = "metadata"
      }
    }
  }
}

resource "aws_bedrock_provisioned_model_throughput" "claude" {
  provisioned_model_name = "claude-sonnet-prod"
  model_arn              = "arn:aws:bedrock:eu-central-1::foundation-model/anthropic.claude-3-5-sonnet-20240620-v1:0"
  model_units            = 1
  commitment_duration    = "OneMonth"
}

resource "aws_bedrock_custom_model" "classifier" {
  custom_model_name     = "ticket-classifier"
  job_name              = "ticket-classifier-2024-11"
  base_model_identifier = "arn:aws:bedrock:eu-central-1::foundation-model/amazon.titan-text-express-v1"
  role_arn              = aws_iam_role.bedrock_agent.arn
  hyperparameters = {
    epochCount   = "2"
    batchSize    = "1"
    learningRate = "0.00001"
  }
  training_data_config {
    s3_uri = "s3://kontor-ml-data/tickets/train.jsonl"
  }
  output_data_config {
    s3_uri = "s3://kontor-ml-data/tickets/output/"
  }
}

resource "aws_bedrock_guardrail" "pii" {
  name                      = "pii-guardrail"
  blocked_input_messaging   = "This request contains personal data."
  blocked_outputs_messaging = "The answer contained personal data."

  sensitive_information_policy_config {
    pii_entities_config {
      action = "ANONYMIZE"
      type   = "EMAIL"
    }
  }
}

resource "aws_iam_role" "bedrock_agent" {
  name = "bedrock-support-agent"
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = { Service = "bedrock.amazonaws.com" }
      Action    = "sts:AssumeRole"
    }]
  })
}

resource "aws_iam_role_policy" "invoke" {
  role = aws_iam_role.bedrock_agent.id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Effect = "Allow"
        Action = ["bedrock:InvokeModel", "bedrock:InvokeModelWithResponseStream"]
        Resource = [
          "arn:aws:bedrock:eu-central-1::foundation-model/anthropic.claude-*",
          "arn:aws:bedrock:*::foundation-model/*",
          "arn:aws:bedrock:eu-central-1:123456789012:inference-profile/eu.anthropic.claude-3-7-sonnet-20250219-v1:0",
        ]
      }
    ]
  })
}
