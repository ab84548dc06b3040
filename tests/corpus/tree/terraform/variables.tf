variable "project_id" {
  description = "GCP project for the Vertex AI resources"
  type        = string
}

variable "llm_model_id" {
  description = "Bedrock model used by the summarizer Lambda"
  type        = string
  default     = "mistral.mistral-large-2407-v1:0"
}

variable "embedding_model" {
  type    = string
  default = "cohere.embed-multilingual-v3"
}

variable "model_bucket" {
  description = "Where fine-tuned artefacts are written"
  type        = string
  default     = "s3://kontor-models/bedrock/"
}

variable "lambda_env" {
  type = map(string)
  default = {
    LOG_LEVEL = "INFO"
    MODEL_ID  = "anthropic.claude-3-haiku-20240307-v1:0"
  }
}
