provider "scaleway" {
  region = "fr-par"
}

resource "scaleway_instance_server" "gpu" {
  type  = "H100-1-80G"
  image = "ubuntu_jammy_gpu_os_12"
}
