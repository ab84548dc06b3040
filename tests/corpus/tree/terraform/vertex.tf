provider "google" {
  project = var.project_id
  region  = "europe-west4"
}

resource "google_vertex_ai_endpoint_with_model_garden_deployment" "qwen" {
  hugging_face_model_id = "Qwen/Qwen2.5-7B-Instruct"
  location              = "europe-west4"

  model_config {
    accept_eula = true
  }

  deploy_config {
    dedicated_resources {
      machine_spec {
        machine_type      = "g2-standard-12"
        accelerator_type  = "NVIDIA_L4"
        accelerator_count = 1
      }
      min_replica_count = 1
    }
  }
}

resource "google_cloud_run_v2_service" "summarizer" {
  name     = "summarizer"
  location = "europe-west4"

  template {
    containers {
      image = "europe-west4-docker.pkg.dev/kontor-prod/apps/summarizer:1.2.0"
      env {
        name  = "GEMINI_MODEL"
        value = "gemini-2.0-flash-001"
      }
      env {
        name  = "GOOGLE_CLOUD_LOCATION"
        value = "europe-west4"
      }
    }
  }
}
